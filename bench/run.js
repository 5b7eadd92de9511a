#!/usr/bin/env node
'use strict';
/**
 * Load benchmark of the reference app: `npm run bench` (builds, then runs this file).
 *
 * Beside req/s it reports the server's CPU time per request (user + system of the server process over
 * each round, from /proc, divided by the round's requests) and what a route adds over the baseline.
 *
 * Starts the production build (`node bench/host.js`: `dist/src/main.js` with the bench routes) as a child process, embedded mode with a fresh
 * DATA_DIR unless DATABASE_URL and REDIS_URL are set, seeds credentials over HTTP, warms each scenario
 * up, then drives the scenarios with autocannon in interleaved rounds (every scenario once per round, in
 * reverse order every other round),
 * so that a slow spell of a shared machine hits all of them alike. Prints the median requests/s, p50
 * and p99 over the rounds, and each scenario's throughput relative to the unguarded baseline as the
 * median of its per-round ratios; writes the same as JSON to bench/results/.
 *
 * The scenario "bare Nest app, public" runs against a bare Nest app with the same helmet and body parser
 * (bench/bare-app.js), in the same rounds: each row's "CPU +us vs bare" is its CPU over that route.
 * Beside the CPU times it prints the instructions per request of the newest `npm run bench:instructions`
 * run of the same build (without V8's compiler and GC), which a busy machine does not move. It is a
 * benchmark: targets it misses are printed, and it fails nothing.
 *
 * Extend it by adding a seed step (it puts what scenarios need on `ctx`) and a scenario
 * `{ name, method, path, headers(ctx), target?, faster?, env? }`. A scenario with `env` runs against a
 * second server started (and seeded) with those variables on top, e.g. a configuration to compare with.
 *
 * BENCH_COMPARE_WITH=<folder of another checkout, built> runs every scenario against that build too, in
 * the same rounds (each scenario on this build, then at once on the other), prints a table for each and
 * what each route's CPU over the baseline differs by: a change's cost measured under the same noise.
 *
 * Environment: BENCH_DURATION_SECONDS (20, per scenario, split over the rounds), BENCH_ROUNDS (10),
 * BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (10),
 * BENCH_ONLY (scenario names separated by |), BENCH_COMPARE_WITH, DATABASE_URL, REDIS_URL.
 */
const { mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { median, positiveNumber, printTable: printColumns, signed } = require('./common');
const { orgScenarios, seedOrganization } = require('./host');
const { credentialSeedSteps, driveRound, mode, startServer } = require('./server');

const ROOT = path.resolve(__dirname, '..');
const durationSeconds = positiveNumber('BENCH_DURATION_SECONDS', 20);
const warmupSeconds = positiveNumber('BENCH_WARMUP_SECONDS', 2);
const connections = positiveNumber('BENCH_CONNECTIONS', 10);
const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 10));
const roundSeconds = Math.max(1, Math.round(durationSeconds / rounds));
const builds = [{ label: 'this build', root: ROOT }];
if (process.env.BENCH_COMPARE_WITH) {
  const root = path.resolve(process.env.BENCH_COMPARE_WITH);
  builds.push({ label: `compared build (${root})`, root });
}

/** Each step adds to `ctx` what scenarios need; they run in order, once, before any scenario. */
const seedSteps = [
  // A user, a session cookie, a JWT and an API key with reports:read (bench/server.js).
  ...credentialSeedSteps,
  async function createOrganization(ctx) {
    await seedOrganization(ctx, async (method, urlPath, headers, body) => {
      const response = await fetch(`${ctx.baseUrl}${urlPath}`, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: await response.json().catch(() => null) };
    });
  },
];

/**
 * The first scenario is the baseline the others are compared with. `target` is the least throughput
 * relative to the baseline that the scenario should reach, in the storage modes listed; `faster` the
 * least throughput relative to another scenario of the same run.
 */
const scenarios = [
  // Issue 26's goals: the unguarded route within 15% of the bare Nest app's CPU per request, each guarded path
  // within `cpuGoal` µs of CPU over the unguarded route (express-session's own work is most of the session's).
  { name: 'public (baseline)', method: 'GET', path: '/examples/public', headers: () => ({}), overBareGoal: 0.15 },
  // The same route in a bare Nest app with the same helmet and body parser (bench/bare-app.js): what the module costs an unguarded route.
  { name: 'bare Nest app, public', method: 'GET', path: '/examples/public', headers: () => ({}), bare: true },
  {
    name: 'profile, session cookie',
    method: 'GET',
    path: '/examples/profile',
    headers: (ctx) => ({ cookie: ctx.sessionCookie }),
    target: { ratio: 0.7, modes: ['postgres+redis'] },
    cpuGoal: 70,
  },
  {
    name: 'profile, JWT',
    method: 'GET',
    path: '/examples/profile',
    headers: (ctx) => ({ authorization: `Bearer ${ctx.accessToken}` }),
    target: { ratio: 0.9, modes: ['embedded', 'postgres+redis'] },
    cpuGoal: 15,
  },
  {
    name: 'reports, API key',
    method: 'GET',
    path: '/examples/reports',
    headers: (ctx) => ({ 'x-api-key': ctx.apiKey }),
    target: { ratio: 0.9, modes: ['embedded', 'postgres+redis'] },
    cpuGoal: 20,
    // Only with PostgreSQL: embedded, the cache-off look-up is an in-process SQLite call, and the
    // cache-off route runs at about 0.4 of the baseline, so even a free guard could not be 3x faster.
    faster: { than: 'reports, API key, cache off', ratio: 3, modes: ['postgres+redis'] },
  },
  {
    // The naive configuration: one SQL look-up and one lastUsedAt UPDATE per request.
    name: 'reports, API key, cache off',
    method: 'GET',
    path: '/examples/reports',
    headers: (ctx) => ({ 'x-api-key': ctx.apiKey }),
    env: { API_KEY_CACHE: 'off' },
  },
  // @Auth({ org, permissions }) against the same route without org (bench/host.js), per credential.
  // Issue 27's goal: the warm organization route within 10% of the route without org.
  ...orgScenarios.map((s) => ({
    name: s.name,
    method: 'GET',
    path: s.url,
    headers: s.headers,
    ...(s.sibling && { faster: { than: s.sibling, ratio: 0.9, modes: ['embedded', 'postgres+redis'] } }),
  })),
];

/** A scenario's path on a seeded server (the organization routes name the seeded organization). */
const pathOf = (scenario, ctx) => (typeof scenario.path === 'function' ? scenario.path(ctx) : scenario.path);

/** Where the instruction counts beside the CPU times come from (the newest bench/results/*-instructions.json). */
let instructionSource;
const INSTRUCTION_PATHS = {
  'public (unguarded)': 'public (baseline)',
  'session cookie': 'profile, session cookie',
  'JWT bearer': 'profile, JWT',
  'API key': 'reports, API key',
};

/**
 * The instruction counts of `root`'s build in the newest `npm run bench:instructions` run that measured
 * it, by scenario name (`bare` for the bare app): counted under valgrind, they are not remeasured here.
 */
function latestInstructionCounts(root) {
  const dir = path.join(__dirname, 'results');
  let files = [];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('-instructions.json'))
      .sort()
      .reverse();
  } catch {
    return null;
  }
  for (const file of files) {
    const run = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    const build = run.results.find((r) => r.root === root);
    if (!build) continue;
    instructionSource = `bench/results/${file}`;
    const counts = new Map();
    for (const p of build.paths) {
      counts.set(INSTRUCTION_PATHS[p.name] ?? p.name, {
        perRequest: p.withoutCompilerAndGc,
        overPublic: p.withoutCompilerAndGcOverPublic ?? null,
      });
    }
    const bare = run.results.find((r) => r.root === 'bench/bare-app.js');
    if (bare) counts.set('bare', { perRequest: bare.paths[0].withoutCompilerAndGc, overPublic: null });
    return counts;
  }
  return null;
}

function drive(ctx, scenario, seconds) {
  return driveRound({
    url: `${ctx.baseUrl}${pathOf(scenario, ctx)}`,
    method: scenario.method,
    headers: scenario.headers(ctx),
    connections,
    seconds,
    pid: ctx.pid,
  });
}

async function checkScenario(ctx, scenario) {
  const response = await fetch(`${ctx.baseUrl}${pathOf(scenario, ctx)}`, {
    method: scenario.method,
    headers: scenario.headers(ctx),
  });
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`scenario "${scenario.name}" answers ${response.status}, not 2xx: ${await response.text()}`);
  }
}

function printTable(rows) {
  const header = [
    'scenario',
    'req/s (median)',
    'p50 ms',
    'p99 ms',
    'vs baseline',
    'CPU us/req',
    'CPU +us',
    'CPU +us vs bare',
    'k instr/req',
    'k instr +',
    'target',
    'non-2xx',
  ];
  const lines = rows.map((r) => [
    r.name,
    r.requestsPerSecond.toFixed(0),
    String(r.p50Ms),
    String(r.p99Ms),
    r.ratio.toFixed(2),
    r.cpuMicrosPerRequest === null ? 'n/a' : r.cpuMicrosPerRequest.toFixed(1),
    r.cpuMicrosOverBaseline === null ? 'n/a' : signed(r.cpuMicrosOverBaseline),
    r.cpuMicrosOverBare === null ? 'n/a' : signed(r.cpuMicrosOverBare),
    r.instructions ? (r.instructions.perRequest / 1000).toFixed(1) : '',
    r.instructions && r.instructions.overPublic !== null ? signed(r.instructions.overPublic / 1000) : '',
    [
      r.cpuGoal ? `CPU +${r.cpuGoal.micros} us ${r.cpuGoal.met ? 'met' : 'MISSED'}` : '',
      r.overBareGoal
        ? `${(r.overBareGoal.actual * 100).toFixed(1)}% over bare (${r.overBareGoal.share * 100}% ${r.overBareGoal.met ? 'met' : 'MISSED'})`
        : '',
      r.target ? `${r.target.ratio.toFixed(2)} ${r.target.met ? 'met' : 'MISSED'}` : '',
      r.faster
        ? `${r.faster.actual.toFixed(2)}x "${r.faster.than}"${r.faster.cpuMicrosMore === null ? '' : `, CPU ${signed(r.faster.cpuMicrosMore)} us`} (${r.faster.ratio}x ${r.faster.applies ? (r.faster.met ? 'met' : 'MISSED') : `target in ${r.faster.modes.join(', ')} mode only`})`
        : '',
    ]
      .filter(Boolean)
      .join('; '),
    String(r.non2xx + r.errors),
  ]);
  printColumns(header, lines);
}

/** One table's rows from the per-round results of the selected scenarios, the baseline first. */
function summarise(selected, perRound, instructionCounts) {
  const bareIndex = selected.findIndex((scenario) => scenario.bare);
  const rows = selected.map((scenario, i) => ({
    name: scenario.name,
    method: scenario.method,
    path: typeof scenario.path === 'function' ? scenario.path({ orgId: ':orgId' }) : scenario.path,
    requestsPerSecond: median(perRound[i].map((r) => r.requestsPerSecond)),
    p50Ms: median(perRound[i].map((r) => r.p50Ms)),
    p99Ms: median(perRound[i].map((r) => r.p99Ms)),
    requests: perRound[i].reduce((sum, r) => sum + r.requests, 0),
    non2xx: perRound[i].reduce((sum, r) => sum + r.non2xx, 0),
    errors: perRound[i].reduce((sum, r) => sum + r.errors, 0),
    rounds: perRound[i].map((r) => Math.round(r.requestsPerSecond)),
    roundRatios: perRound[i].map((r, round) => r.requestsPerSecond / perRound[0][round].requestsPerSecond),
    cpuMicrosPerRequest: perRound[i].some((r) => r.cpuMicrosPerRequest === null)
      ? null
      : median(perRound[i].map((r) => r.cpuMicrosPerRequest)),
    // CPU the route adds over the unguarded one, per round, then the median: it moves less than throughput on a shared machine.
    cpuMicrosOverBaseline: perRound[i].some((r) => r.cpuMicrosPerRequest === null)
      ? null
      : median(perRound[i].map((r, round) => r.cpuMicrosPerRequest - perRound[0][round].cpuMicrosPerRequest)),
    cpuMicrosOverBare:
      bareIndex < 0 || perRound[i].some((r) => r.cpuMicrosPerRequest === null)
        ? null
        : median(perRound[i].map((r, round) => r.cpuMicrosPerRequest - perRound[bareIndex][round].cpuMicrosPerRequest)),
    instructions: instructionCounts?.get(scenario.bare ? 'bare' : scenario.name) ?? null,
  }));
  for (const [i, row] of rows.entries()) {
    row.ratio = median(row.roundRatios);
    const { cpuGoal, overBareGoal } = selected[i];
    if (cpuGoal !== undefined && row.cpuMicrosOverBaseline !== null) {
      row.cpuGoal = { micros: cpuGoal, met: row.cpuMicrosOverBaseline <= cpuGoal };
    }
    const bare = rows[bareIndex];
    if (overBareGoal !== undefined && row.cpuMicrosOverBare !== null && bare?.cpuMicrosPerRequest) {
      const actual = row.cpuMicrosOverBare / bare.cpuMicrosPerRequest;
      row.overBareGoal = { share: overBareGoal, actual, met: actual <= overBareGoal };
    }
    const target = selected[i].target;
    if (target && target.modes.includes(mode)) row.target = { ratio: target.ratio, met: row.ratio >= target.ratio };
    const faster = selected[i].faster;
    const other = faster && rows.find((r) => r.name === faster.than);
    if (other) {
      const otherIndex = rows.indexOf(other);
      const actual = median(
        perRound[i].map((r, round) => r.requestsPerSecond / perRound[otherIndex][round].requestsPerSecond),
      );
      const applies = faster.modes.includes(mode);
      row.faster = {
        than: faster.than,
        ratio: faster.ratio,
        modes: faster.modes,
        actual,
        // CPU per request over the other scenario's, per round, then the median.
        cpuMicrosMore:
          row.cpuMicrosPerRequest === null
            ? null
            : median(
                perRound[i].map((r, round) => r.cpuMicrosPerRequest - perRound[otherIndex][round].cpuMicrosPerRequest),
              ),
        applies,
        met: applies ? actual >= faster.ratio : undefined,
      };
    }
  }
  return rows;
}

/**
 * Per scenario, the median over the rounds of (this build's CPU over its baseline) minus (the compared
 * build's, in the same round): what this build's route costs more, with the rest of the request taken out.
 */
function compareBuilds(selected, ours, theirs) {
  return selected.map((scenario, i) => {
    const delta = (a, b) => a.cpuMicrosPerRequest - b.cpuMicrosPerRequest;
    const perRoundOver = (rounds, round) => delta(rounds[i][round], rounds[0][round]);
    return {
      name: scenario.name,
      cpuMicrosMore: median(ours[i].map((_, round) => delta(ours[i][round], theirs[i][round]))),
      cpuMicrosOverBaselineMore: median(
        ours[i].map((_, round) => perRoundOver(ours, round) - perRoundOver(theirs, round)),
      ),
    };
  });
}

function printComparison(comparison) {
  const header = ['scenario', 'CPU us/req, this - compared', 'CPU +us over baseline, this - compared'];
  const lines = comparison.map((c) => [c.name, signed(c.cpuMicrosMore), signed(c.cpuMicrosOverBaselineMore)]);
  printColumns(header, lines);
}

async function main() {
  const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split('|').map((s) => s.trim())) : null;
  const selected = scenarios.filter((s, i) => i === 0 || !only || only.has(s.name));
  console.log(
    `nest-auth bench: ${mode}, ${connections} connections, ${warmupSeconds}s warm-up, ${rounds} interleaved rounds of ${roundSeconds}s per scenario, node ${process.version}, ${os.cpus().length} CPUs`,
  );
  const servers = [];
  const stop = () => Promise.all(servers.map((s) => s.stop())).finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    // One seeded server per build and distinct `env` of the selected scenarios; the plain one first.
    const contexts = new Map();
    const keyOf = (build, scenario) => `${scenario.bare ? 'bare' : build.root}\n${JSON.stringify(scenario.env ?? {})}`;
    for (const build of builds) {
      for (const scenario of selected) {
        const key = keyOf(build, scenario);
        if (contexts.has(key)) continue;
        const server = await startServer(build.root, scenario.env, scenario.bare);
        servers.push(server);
        const ctx = { baseUrl: server.baseUrl, pid: server.pid };
        if (!scenario.bare) for (const step of seedSteps) await step(ctx);
        contexts.set(key, ctx);
      }
    }
    // What a round drives: each scenario on every build, one right after the other.
    const runs = selected.flatMap((scenario) =>
      builds.map((build) => ({ build, scenario, ctx: contexts.get(keyOf(build, scenario)) })),
    );
    // (With a compared build the bare app runs in both builds' rows: the same server, driven twice a round.)
    for (const run of runs) await checkScenario(run.ctx, run.scenario);

    for (const run of runs) await drive(run.ctx, run.scenario, warmupSeconds);
    const perRun = runs.map(() => []);
    for (let round = 1; round <= rounds; round++) {
      // Every other round runs the scenarios in reverse, so that a machine speeding up or slowing down
      // during a round does not always favour the scenarios that run first.
      const order = [...runs.keys()];
      if (round % 2 === 0) order.reverse();
      for (const i of order) perRun[i].push(await drive(runs[i].ctx, runs[i].scenario, roundSeconds));
      console.log(
        `  round ${round}/${rounds}: ${perRun.map((r) => r[round - 1].requestsPerSecond.toFixed(0)).join(' / ')} req/s`,
      );
    }
    const perRoundOf = (build) =>
      selected.map((scenario) => perRun[runs.findIndex((r) => r.build === build && r.scenario === scenario)]);
    const tables = builds.map((build) => ({
      build: build.label,
      scenarios: summarise(selected, perRoundOf(build), latestInstructionCounts(build.root)),
    }));
    for (const table of tables) {
      console.log(builds.length > 1 ? `\n${table.build}:` : '');
      printTable(table.scenarios);
    }
    console.log(
      `\nCPU +us: over this server's unguarded route; vs bare: over the bare Nest app's route, same rounds. ` +
        `k instr: thousands of instructions per request, without V8's compiler and GC, from ${instructionSource ?? 'no run of npm run bench:instructions yet'}.`,
    );
    const comparison =
      builds.length > 1 ? compareBuilds(selected, perRoundOf(builds[0]), perRoundOf(builds[1])) : undefined;
    if (comparison) {
      console.log('\nthis build against the compared one, same rounds:');
      printComparison(comparison);
    }

    const report = {
      date: new Date().toISOString(),
      mode,
      node: process.version,
      cpus: os.cpus().length,
      connections,
      warmupSeconds,
      rounds,
      roundSeconds,
      scenarios: tables[0].scenarios,
      ...(comparison && {
        comparedWith: { build: builds[1].root, scenarios: tables[1].scenarios, difference: comparison },
      }),
    };
    const resultsDir = path.join(__dirname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${report.date.replace(/[:.]/g, '-')}-${mode}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten to ${path.relative(ROOT, file)}`);
    // A benchmark, not a test: it reports, and fails nothing.
    if (tables.some((t) => t.scenarios.some((r) => r.non2xx + r.errors > 0))) {
      console.error('some requests failed: the figures above are not comparable');
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
