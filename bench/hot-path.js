#!/usr/bin/env node
'use strict';
/**
 * CPU per request of the app's whole request pipeline (Express, Nest, the guard, the controller,
 * the request line), without sockets: `npm run bench:hot-path`.
 *
 * autocannon over loopback (`npm run bench`) measures the server with its network stack and a client on
 * the other core; on a shared 2-core machine a route's CPU over the baseline moves by 10 µs or more from
 * run to run. Here each build runs in a process of its own that builds the app with its `createApp`,
 * and requests are injected into the Express handler with light-my-request: the process's own CPU
 * time (process.cpuUsage) over a batch, divided by the batch's requests, is all the build's work.
 *
 * BENCH_COMPARE_WITH=<folder of another checkout, built> runs the same batches on that build, each
 * batch right after this build's, and prints what each route costs more, with the rest taken out.
 *
 * Environment: BENCH_ROUNDS (15), BENCH_BATCH (2000 requests), BENCH_WARMUP (5000 requests per
 * scenario), BENCH_ONLY (scenario names separated by |; the baseline always runs), BENCH_COMPARE_WITH,
 * BENCH_CPU_PROF (a folder: each build's process writes a V8 CPU profile there, to see where the time
 * goes), DATABASE_URL and REDIS_URL (PostgreSQL + Redis; else embedded).
 */
const { fork } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { median, positiveNumber, printTable, signed } = require('./common');

const ROOT = path.resolve(__dirname, '..');
const PASSWORD = 'correct horse battery staple';
const mode = process.env.DATABASE_URL && process.env.REDIS_URL ? 'postgres+redis' : 'embedded';
const CONCURRENCY = 10;

/** Routes as in bench/run.js; `headers(ctx)` reads what seeding put on ctx. */
const allScenarios = [
  { name: 'public (baseline)', method: 'GET', url: '/examples/public', headers: () => ({}) },
  {
    name: 'profile, session cookie',
    method: 'GET',
    url: '/examples/profile',
    headers: (ctx) => ({ cookie: ctx.sessionCookie }),
  },
  {
    name: 'profile, JWT',
    method: 'GET',
    url: '/examples/profile',
    headers: (ctx) => ({ authorization: `Bearer ${ctx.accessToken}` }),
  },
  {
    name: 'reports, API key',
    method: 'GET',
    url: '/examples/reports',
    headers: (ctx) => ({ 'x-api-key': ctx.apiKey }),
  },
];

const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split('|').map((name) => name.trim())) : null;
const scenarios = allScenarios.filter((scenario, i) => i === 0 || !only || only.has(scenario.name));

// ---- the process of one build -------------------------------------------------------------------

const turnOfTheEventLoop = () => new Promise((resolve) => setImmediate(resolve));

async function serve(root) {
  require(path.join(root, 'node_modules/reflect-metadata'));
  const inject = require(path.join(ROOT, 'node_modules/light-my-request'));
  const { createApp } = require(path.join(root, 'dist/src/app.setup'));
  const { loadConfig } = require(path.join(root, 'dist/src/config/app.config'));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nest-auth-hot-path-'));
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_FORMAT: 'json',
    DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: `bench-${randomUUID()}:`,
    THROTTLE_AUTH_LIMIT: '1000000',
    LOCKOUT_THRESHOLD: '1000000',
    API_KEY_RATE_LIMIT_PER_MINUTE: '100000000',
  };
  if (mode === 'embedded') {
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
  }
  const app = await createApp(loadConfig(env));
  await app.init();
  const handler = app.getHttpAdapter().getInstance();
  const call = (method, url, headers = {}, payload) =>
    inject(handler, { method, url, headers, payload, remoteAddress: '127.0.0.1' });
  const expect = async (status, ...args) => {
    const response = await call(...args);
    if (response.statusCode !== status)
      throw new Error(`${args[0]} ${args[1]}: expected ${status}, got ${response.statusCode} ${response.payload}`);
    return response;
  };

  const ctx = {};
  const email = `bench-${randomUUID()}@example.com`;
  const json = { 'content-type': 'application/json' };
  await expect(201, 'POST', '/auth/register', json, JSON.stringify({ email, password: PASSWORD }));
  const login = await expect(200, 'POST', '/auth/login', json, JSON.stringify({ email, password: PASSWORD }));
  const setCookie = [login.headers['set-cookie']].flat().find((c) => /^(__Host-)?sid=/.test(c));
  ctx.sessionCookie = setCookie.split(';')[0];
  ctx.accessToken = (
    await expect(200, 'POST', '/auth/token', json, JSON.stringify({ email, password: PASSWORD }))
  ).json().access_token;
  const { csrfToken } = (await expect(200, 'GET', '/auth/csrf', { cookie: ctx.sessionCookie })).json();
  const created = await expect(
    201,
    'POST',
    '/auth/api-keys',
    { ...json, cookie: ctx.sessionCookie, 'x-csrf-token': csrfToken },
    JSON.stringify({ name: 'bench', scopes: ['reports:read'] }),
  );
  ctx.apiKey = created.json().key;

  /** `count` requests, CONCURRENCY at a time; the CPU this process used per request, in µs. */
  async function batch(scenario, count) {
    const headers = scenario.headers(ctx);
    let next = 0;
    let failed = 0;
    const started = process.cpuUsage();
    const worker = async () => {
      while (next++ < count) {
        const response = await call(scenario.method, scenario.url, headers);
        if (response.statusCode !== 200) failed++;
        // An injected request ends in promises alone, but its 'close' (the request line, the metrics)
        // comes in a setImmediate: without a turn of the event loop those would pile up for the whole
        // batch, holding every request in memory, and run in the next batch's time.
        await turnOfTheEventLoop();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await turnOfTheEventLoop();
    const used = process.cpuUsage(started);
    return { cpuMicrosPerRequest: (used.user + used.system) / count, failed };
  }

  process.on('message', async (message) => {
    if (message.stop) {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    }
    const scenario = scenarios.find((s) => s.name === message.scenario);
    process.send({ id: message.id, ...(await batch(scenario, message.count)) });
  });
  process.send({ ready: true });
}

// ---- the parent: alternate the builds' batches, then summarise ------------------------------------

function startBuild(root, index) {
  const profile = process.env.BENCH_CPU_PROF;
  const execArgv = profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profile, String(index))}`] : [];
  const child = fork(__filename, ['--serve', root], { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  // The request lines go to a pipe, as a container's output does; only drained here.
  child.stdout.resume();
  let nextId = 0;
  const waiting = new Map();
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the build in ${root} exited with ${code}`)));
    child.on('message', (message) => {
      if (message.ready) return resolve();
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
    });
  });
  return {
    root,
    ready,
    run: (scenario, count) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        child.send({ id, scenario: scenario.name, count });
      }),
    stop: () => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ stop: true });
      return exited;
    },
  };
}

async function main() {
  const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 15));
  const count = Math.round(positiveNumber('BENCH_BATCH', 2000));
  const warmup = Math.round(positiveNumber('BENCH_WARMUP', 5000));
  const roots = [ROOT, ...(process.env.BENCH_COMPARE_WITH ? [path.resolve(process.env.BENCH_COMPARE_WITH)] : [])];
  console.log(
    `nest-auth hot path: ${mode}, in-process requests (light-my-request), ${CONCURRENCY} at a time, ${rounds} rounds of ${count} per scenario and build, node ${process.version}`,
  );
  const builds = [];
  try {
    for (const [index, root] of roots.entries()) {
      const build = startBuild(root, index);
      builds.push(build);
      await build.ready;
    }
    for (const scenario of scenarios) for (const build of builds) await build.run(scenario, warmup);
    // results[build][scenario] = per-round µs
    const results = builds.map(() => scenarios.map(() => []));
    let failed = 0;
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...scenarios.keys()].reverse() : [...scenarios.keys()];
      for (const s of order) {
        // Alternate which build goes first, so that neither always runs right after the other's batch.
        const buildOrder = round % 2 ? [...builds.keys()].reverse() : [...builds.keys()];
        for (const b of buildOrder) {
          const outcome = await builds[b].run(scenarios[s], count);
          failed += outcome.failed;
          results[b][s].push(outcome.cpuMicrosPerRequest);
        }
      }
    }
    const overBaseline = (b, s) => results[b][s].map((value, round) => value - results[b][0][round]);
    for (const [b, build] of builds.entries()) {
      console.log(`\n${b === 0 ? 'this build' : `compared build (${build.root})`}:`);
      printTable(
        ['scenario', 'CPU us/req', 'CPU +us over baseline'],
        scenarios.map((scenario, s) => [
          scenario.name,
          median(results[b][s]).toFixed(1),
          signed(median(overBaseline(b, s))),
        ]),
      );
    }
    if (builds.length > 1) {
      console.log('\nthis build against the compared one, same rounds (median of the per-round differences):');
      printTable(
        ['scenario', 'CPU us/req, this - compared', 'CPU +us over baseline, this - compared'],
        scenarios.map((scenario, s) => [
          scenario.name,
          signed(median(results[0][s].map((value, round) => value - results[1][s][round]))),
          signed(median(overBaseline(0, s).map((value, round) => value - overBaseline(1, s)[round]))),
        ]),
      );
    }
    if (failed) {
      console.error(`${failed} requests did not answer 200: the figures above are not comparable`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(builds.map((build) => build.stop()));
  }
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
