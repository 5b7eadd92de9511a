#!/usr/bin/env node
'use strict';
/**
 * Issue 26's side-by-side run: `npm run bench:peers` (builds, then runs this file).
 *
 * Starts the reference app (bench/host.js, embedded unless DATABASE_URL and REDIS_URL are set) and the
 * tutorial-style peer (bench/peers/tutorial-app.js: passport sessions on express-session's MemoryStore,
 * passport-jwt, passport-headerapikey, a SQL query per request) as two child processes on this machine,
 * seeds a user, a session cookie, a JWT and an API key on each, checks that every path answers 200,
 * warms each up, then drives every path on both apps with autocannon in interleaved rounds (nest-auth
 * then the peer on each path; the order reversed every other round), so that a slow spell of a shared
 * machine hits both alike.
 *
 * Per path (unguarded, session cookie, JWT, API key) it prints each app's median req/s, its CPU time per
 * request (user + system of its process over each round, from /proc) and that CPU over its own unguarded
 * route (median of the per-round differences), and nest-auth's throughput over the peer's as the median
 * of the per-round ratios, against issue 26's goals (session >= 2x, JWT >= 5x, API key >= 5x). Non-2xx
 * answers and errors are counted and printed. Writes the same as JSON to bench/results/. It fails
 * nothing: a missed goal is printed, and the exit code is 0.
 *
 * Environment: BENCH_ROUNDS (6), BENCH_ROUND_SECONDS (3), BENCH_CONNECTIONS (16), BENCH_WARMUP_SECONDS (2),
 * PEER_JWT_ALG (HS256, or ES256), PEER_ORM (typeorm: the peer's queries through TypeORM repositories), PEER_DB (a file in the peer's DATA_DIR, or :memory:), DATABASE_URL and
 * REDIS_URL (nest-auth only; the peer is always SQLite and a MemoryStore).
 */
const { randomUUID } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { median, positiveNumber, printTable, signed } = require('./common');
const { PASSWORD, call, credentialSeedSteps, driveRound, mode, startServer } = require('./server');

const ROOT = path.resolve(__dirname, '..');
const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 6));
const roundSeconds = positiveNumber('BENCH_ROUND_SECONDS', 3);
const connections = Math.round(positiveNumber('BENCH_CONNECTIONS', 16));
const warmupSeconds = positiveNumber('BENCH_WARMUP_SECONDS', 2);

/** The peer's credentials, over its own routes: the same four as nest-auth's. */
const peerSeedSteps = [
  async function registerUser(ctx) {
    ctx.email = `bench-${randomUUID()}@example.com`;
    await call(ctx, 'POST', '/register', { email: ctx.email, password: PASSWORD }, 201);
  },
  async function loginSession(ctx) {
    const response = await call(ctx, 'POST', '/login', { email: ctx.email, password: PASSWORD }, 200);
    const cookie = (response.headers.getSetCookie?.() ?? []).find((c) => c.startsWith('connect.sid='));
    if (!cookie) throw new Error('peer login set no session cookie');
    ctx.sessionCookie = cookie.split(';')[0];
  },
  async function issueJwt(ctx) {
    const response = await call(ctx, 'POST', '/token', { email: ctx.email, password: PASSWORD }, 200);
    ctx.accessToken = (await response.json()).access_token;
  },
  async function issueApiKey(ctx) {
    const body = { name: 'bench', scopes: ['reports:read'] };
    const response = await call(ctx, 'POST', '/keys', body, 201, { cookie: ctx.sessionCookie });
    ctx.apiKey = (await response.json()).key;
  },
];

const apps = [
  { name: 'nest-auth', start: () => startServer(ROOT), seedSteps: credentialSeedSteps },
  {
    name: 'peer',
    start: () =>
      startServer(ROOT, {}, { script: path.join(__dirname, 'peers', 'tutorial-app.js'), readyPath: '/public' }),
    seedSteps: peerSeedSteps,
  },
];

/**
 * The paths, the unguarded one first (each app's guarded paths are compared with it), each with its
 * route on either app and issue 26's goal: nest-auth's req/s at least `goal` times the peer's.
 */
const paths = [
  {
    name: 'unguarded',
    'nest-auth': { path: '/examples/public', headers: () => ({}) },
    peer: { path: '/public', headers: () => ({}) },
  },
  {
    name: 'session cookie',
    goal: 2,
    'nest-auth': { path: '/examples/profile', headers: (ctx) => ({ cookie: ctx.sessionCookie }) },
    peer: { path: '/profile/session', headers: (ctx) => ({ cookie: ctx.sessionCookie }) },
  },
  {
    name: 'JWT bearer',
    goal: 5,
    'nest-auth': { path: '/examples/profile', headers: (ctx) => ({ authorization: `Bearer ${ctx.accessToken}` }) },
    peer: { path: '/profile/jwt', headers: (ctx) => ({ authorization: `Bearer ${ctx.accessToken}` }) },
  },
  {
    // The same nest-auth rounds as "JWT bearer", against the peer's strategy given its key as a KeyObject:
    // the docs' string secret costs jsonwebtoken a failed public-key parse per request (bench/peers/tutorial-app.js).
    name: 'JWT, peer with KeyObject',
    goal: 5,
    'nest-auth': { sameAs: 'JWT bearer' },
    peer: { path: '/profile/jwt-key-object', headers: (ctx) => ({ authorization: `Bearer ${ctx.accessToken}` }) },
  },
  {
    name: 'API key',
    goal: 5,
    'nest-auth': { path: '/examples/reports', headers: (ctx) => ({ 'x-api-key': ctx.apiKey }) },
    peer: { path: '/reports/key', headers: (ctx) => ({ 'x-api-key': ctx.apiKey }) },
  },
];

/** Every (path, app) pair a round drives, nest-auth first on each path; a `sameAs` side is not driven again. */
function runsOf(contexts) {
  return paths.flatMap((p) =>
    apps.flatMap((app) => {
      const ctx = contexts.get(app.name);
      const route = p[app.name];
      if (route.sameAs) return [];
      return {
        path: p.name,
        app: app.name,
        url: `${ctx.baseUrl}${route.path}`,
        headers: route.headers(ctx),
        pid: ctx.pid,
      };
    }),
  );
}

/**
 * Before any measurement: a path answering anything but 200 would measure the failure, not the guard;
 * and a guarded path must refuse the request without its credential, or it measures no guard at all.
 */
async function check(run) {
  const response = await fetch(run.url, { headers: run.headers });
  const body = await response.text();
  if (response.status !== 200) {
    throw new Error(`${run.app} ${run.path} (${run.url}) answers ${response.status}: ${body}`);
  }
  if (run.path === 'unguarded') return;
  if (!/"email"/.test(body)) throw new Error(`${run.app} ${run.path} answers 200 without the user: ${body}`);
  const refused = await fetch(run.url);
  await refused.text();
  if (refused.status !== 401 && refused.status !== 403) {
    throw new Error(`${run.app} ${run.path} answers ${refused.status} without a credential, not 401 or 403`);
  }
}

/** The rounds of a path on one app (of the path it is `sameAs`, if so). */
function roundsOf(runs, perRun, pathName, app) {
  const route = paths.find((p) => p.name === pathName)[app];
  const driven = route.sameAs ?? pathName;
  return perRun[runs.findIndex((r) => r.path === driven && r.app === app)];
}

function summarise(runs, perRun) {
  const of = (pathName, app) => roundsOf(runs, perRun, pathName, app);
  const cpuOver = (rounds, baseline) =>
    rounds.some((r) => r.cpuMicrosPerRequest === null)
      ? null
      : median(rounds.map((r, i) => r.cpuMicrosPerRequest - baseline[i].cpuMicrosPerRequest));
  const side = (pathName, app) => {
    const rounds = of(pathName, app);
    const route = paths.find((p) => p.name === pathName)[app];
    return {
      route: route.path ?? paths.find((p) => p.name === route.sameAs)[app].path,
      requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
      p50Ms: median(rounds.map((r) => r.p50Ms)),
      p99Ms: median(rounds.map((r) => r.p99Ms)),
      cpuMicrosPerRequest: rounds.some((r) => r.cpuMicrosPerRequest === null)
        ? null
        : median(rounds.map((r) => r.cpuMicrosPerRequest)),
      cpuMicrosOverUnguarded: pathName === 'unguarded' ? null : cpuOver(rounds, of('unguarded', app)),
      requests: rounds.reduce((sum, r) => sum + r.requests, 0),
      non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
      errors: rounds.reduce((sum, r) => sum + r.errors, 0),
      rounds: rounds.map((r) => Math.round(r.requestsPerSecond)),
    };
  };
  return paths.map((p) => {
    const nest = of(p.name, 'nest-auth');
    const peer = of(p.name, 'peer');
    const roundRatios = nest.map((r, i) => r.requestsPerSecond / peer[i].requestsPerSecond);
    const ratio = median(roundRatios);
    // nest-auth's unguarded route over the peer's path, same rounds: the ratio of a guard that cost nothing.
    const unguarded = of('unguarded', 'nest-auth');
    const ceiling =
      p.name === 'unguarded' ? null : median(peer.map((r, i) => unguarded[i].requestsPerSecond / r.requestsPerSecond));
    return {
      path: p.name,
      nestAuth: side(p.name, 'nest-auth'),
      peer: side(p.name, 'peer'),
      ratio,
      roundRatios: roundRatios.map((r) => Number(r.toFixed(3))),
      ceiling,
      goal: p.goal ? { ratio: p.goal, met: ratio >= p.goal } : null,
    };
  });
}

function print(rows) {
  const cpu = (v) => (v === null ? 'n/a' : v.toFixed(1));
  const over = (v) => (v === null ? '' : signed(v));
  printTable(
    [
      'path',
      'nest-auth req/s',
      'CPU us/req',
      'CPU +us',
      'peer req/s',
      'CPU us/req',
      'CPU +us',
      'nest-auth/peer',
      'free guard',
      'goal',
      'non-2xx+err (nest/peer)',
    ],
    rows.map((r) => [
      r.path,
      r.nestAuth.requestsPerSecond.toFixed(0),
      cpu(r.nestAuth.cpuMicrosPerRequest),
      over(r.nestAuth.cpuMicrosOverUnguarded),
      r.peer.requestsPerSecond.toFixed(0),
      cpu(r.peer.cpuMicrosPerRequest),
      over(r.peer.cpuMicrosOverUnguarded),
      `${r.ratio.toFixed(2)}x`,
      r.ceiling === null ? '' : `${r.ceiling.toFixed(2)}x`,
      r.goal ? `>= ${r.goal.ratio}x ${r.goal.met ? 'met' : 'MISSED'}` : '',
      `${r.nestAuth.non2xx + r.nestAuth.errors}/${r.peer.non2xx + r.peer.errors}`,
    ]),
  );
}

async function main() {
  console.log(
    `nest-auth against the tutorial-style peer: nest-auth ${mode}, peer SQLite (${process.env.PEER_DB ?? 'file'}${process.env.PEER_ORM === 'typeorm' ? ', TypeORM' : ', straight SQL'}) + MemoryStore, ` +
      `JWT ${process.env.PEER_JWT_ALG === 'ES256' ? 'ES256' : 'HS256'} on the peer; ${connections} connections, ` +
      `${warmupSeconds}s warm-up, ${rounds} interleaved rounds of ${roundSeconds}s, node ${process.version}, ` +
      `${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  const servers = [];
  const stop = () => Promise.all(servers.map((s) => s.stop())).finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const contexts = new Map();
    for (const app of apps) {
      const server = await app.start();
      servers.push(server);
      const ctx = { baseUrl: server.baseUrl, pid: server.pid };
      for (const step of app.seedSteps) await step(ctx);
      contexts.set(app.name, ctx);
    }
    const runs = runsOf(contexts);
    for (const run of runs) await check(run);
    const drive = (run, seconds) => driveRound({ ...run, connections, seconds });

    for (const run of runs) await drive(run, warmupSeconds);
    const perRun = runs.map(() => []);
    for (let round = 1; round <= rounds; round++) {
      // Every other round in reverse, so that a machine speeding up or slowing down during a round
      // does not always favour the runs that come first.
      const order = [...runs.keys()];
      if (round % 2 === 0) order.reverse();
      for (const i of order) perRun[i].push(await drive(runs[i], roundSeconds));
      const line = paths.map((p) => {
        const [nest, peer] = apps.map((a) => roundsOf(runs, perRun, p.name, a.name));
        return `${p.name} ${nest[round - 1].requestsPerSecond.toFixed(0)}/${peer[round - 1].requestsPerSecond.toFixed(0)}`;
      });
      console.log(`  round ${round}/${rounds} (nest-auth/peer req/s): ${line.join(', ')}`);
    }
    for (const [i, run] of runs.entries()) {
      const failed = perRun[i].reduce((sum, r) => sum + r.non2xx + r.errors, 0);
      if (failed > 0) console.log(`  ${run.app} ${run.path}: ${failed} non-2xx answers or errors while measured`);
    }

    const rows = summarise(runs, perRun);
    console.log('');
    print(rows);
    console.log(
      "\nCPU us/req: user + system CPU of that app's process per request; CPU +us: over its own unguarded route " +
        '(median of the per-round differences). nest-auth/peer: median of the per-round throughput ratios. ' +
        "free guard: nest-auth's unguarded route over the peer's path, same rounds: the ratio a guard that cost nothing would reach.",
    );
    const failed = rows.some((r) => r.nestAuth.non2xx + r.nestAuth.errors + r.peer.non2xx + r.peer.errors > 0);
    if (failed) console.log('some requests failed (last column): the figures of those rows are not comparable');

    const report = {
      date: new Date().toISOString(),
      mode,
      peer: {
        app: 'bench/peers/tutorial-app.js',
        db: process.env.PEER_DB ?? 'file in DATA_DIR (WAL)',
        orm: process.env.PEER_ORM === 'typeorm' ? 'typeorm' : 'none (better-sqlite3 prepared statements)',
        jwtAlgorithm: process.env.PEER_JWT_ALG === 'ES256' ? 'ES256' : 'HS256',
      },
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg(),
      connections,
      warmupSeconds,
      rounds,
      roundSeconds,
      paths: rows,
    };
    const resultsDir = path.join(__dirname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${report.date.replace(/[:.]/g, '-')}-peers-${mode}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten to ${path.relative(ROOT, file)}`);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

// A benchmark, not a test: it reports, and fails nothing (a set-up error still exits 1).
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
