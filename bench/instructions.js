#!/usr/bin/env node
'use strict';
/**
 * Instructions per request of each path, counted by valgrind's callgrind: `npm run bench:instructions`.
 *
 * CPU time on a shared 2-core machine moves by tens of µs from run to run; the number of instructions a
 * process executes for the same work does not depend on what else the machine runs. The server (the
 * reference app's production build, embedded mode, JSON request lines to a file) runs under
 * `valgrind --tool=callgrind --dump-before=uv_os_getpriority`; this process drives real HTTP requests
 * over loopback, keep-alive, a few at a time. Between segments it asks the server (over IPC) to call
 * `os.getPriority()`, which nothing else in the app calls: callgrind writes the instructions counted
 * since the previous call, so each segment's count is the server's user-space work for exactly that
 * segment's requests (the kernel's part of a socket read or write is not counted). Start-up, seeding
 * and warm-up run with instrumentation off (`--instr-atstart=no`, several times faster); it is
 * switched on with `callgrind_control --instr=on` before the measured segments.
 *
 * Each round runs every path's segment once (in reverse order every other round); a path's figure is
 * the median over the rounds of instructions / requests, and "over public" the median of the per-round
 * differences to the unguarded route. Two counts are printed: all instructions, and those outside V8's
 * optimising compiler and garbage collector (by function name, from callgrind_annotate). Those two come
 * in bursts (a function optimised again after a deoptimisation, a major collection) that fall into one
 * segment or another and move the total by hundreds of thousands of instructions a request; the rest,
 * the request's own code with the runtime it calls, varies by a few percent between rounds. The GC
 * column is what allocation costs. An idle segment (no requests, BENCH_IDLE_SECONDS) shows the
 * background work per second: under valgrind a segment lasts about 50 times longer than natively.
 *
 * BENCH_COMPARE_WITH=<checkouts, built, separated by commas> runs the same on other builds; BENCH_BARE=1
 * adds a bare Nest app with the same helmet and body parser (bench/bare-app.js); BENCH_PARALLEL=1 runs
 * the servers at once (the counts do not depend on it). Environment: BENCH_REQUESTS (400 per
 * segment), BENCH_ROUNDS (3), BENCH_WARMUP (1500 requests per path), BENCH_CONNECTIONS (4),
 * BENCH_IDLE_SECONDS (5), BENCH_ONLY (path names separated by |; the organization paths of bench/host.js run only when named), BENCH_NODE_FLAGS (flags for the
 * server's node; default --single-threaded, so that V8 compiles and collects on the measured thread in
 * a repeatable order rather than on helper threads), BENCH_KEEP (keep the callgrind files in this folder).
 */
const { execFile, execFileSync, spawn } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { median, positiveNumber, printTable } = require('./common');
const { addBenchRoutes, orgScenarios, seedOrganization } = require('./host');

const ROOT = path.resolve(__dirname, '..');
const PASSWORD = 'correct horse battery staple';

const paths = [
  { name: 'public (unguarded)', url: '/examples/public', headers: () => ({}) },
  { name: 'session cookie', url: '/examples/profile', headers: (ctx) => ({ cookie: ctx.sessionCookie }) },
  { name: 'JWT bearer', url: '/examples/profile', headers: (ctx) => ({ authorization: `Bearer ${ctx.accessToken}` }) },
  { name: 'API key', url: '/examples/reports', headers: (ctx) => ({ 'x-api-key': ctx.apiKey }) },
];
// @Auth({ org, permissions }) against the same route without org (bench/host.js): measured when BENCH_ONLY names them.
const optionalPaths = orgScenarios;

// ---- the server, under callgrind ------------------------------------------------------------------

async function serve(root, kind) {
  let app;
  if (kind === 'bare') {
    app = await require('./bare-app').createBareApp(root);
  } else {
    require(path.join(root, 'node_modules/reflect-metadata'));
    addBenchRoutes(root);
    const { createApp } = require(path.join(root, 'dist/src/app.setup'));
    const { loadConfig } = require(path.join(root, 'dist/src/config/app.config'));
    app = await createApp(loadConfig(process.env));
  }
  await app.listen(0, '127.0.0.1');
  // Under valgrind a pause between requests can outlast Node's 5 s keep-alive timeout, and the driver
  // would then send on a socket the server is closing (ECONNRESET).
  app.getHttpServer().keepAliveTimeout = 3_600_000;
  const { port } = app.getHttpServer().address();
  process.on('message', (message) => {
    if (message.mark) {
      // The segment boundary: callgrind dumps its counts on entering uv_os_getpriority.
      os.getPriority();
      process.send({ marked: message.mark });
    } else if (message.stop) {
      app.close().finally(() => process.exit(0));
    }
  });
  process.send({ port });
}

// ---- this process: start the servers, drive them, read the counts ---------------------------------

function startServer({ label, root, kind }, outDir) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nest-auth-instructions-'));
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_FORMAT: 'json',
    DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: `bench-${randomUUID()}:`,
    THROTTLE_AUTH_LIMIT: '1000000',
    LOCKOUT_THRESHOLD: '1000000',
    API_KEY_RATE_LIMIT_PER_MINUTE: '100000000',
    // A run under valgrind outlasts the default 15 minutes of an access token.
    ACCESS_TOKEN_TTL_SECONDS: '86400',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const prefix = path.join(outDir, label.replace(/[^A-Za-z0-9]+/g, '-'));
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '--single-threaded').split(' ').filter(Boolean);
  const logFd = fs.openSync(`${prefix}.server.log`, 'w');
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--dump-before=uv_os_getpriority',
      // Start-up and warm-up run uninstrumented (several times faster); instrumentation is switched on after.
      '--instr-atstart=no',
      `--callgrind-out-file=${prefix}.callgrind.%p`,
      `--log-file=${prefix}.valgrind.log`,
      process.execPath,
      ...nodeFlags,
      __filename,
      '--serve',
      root,
      kind,
    ],
    { env, stdio: ['ignore', logFd, logFd, 'ipc'] },
  );
  fs.closeSync(logFd);
  const waiting = [];
  child.on('message', (message) => waiting.shift()?.(message));
  const next = () => new Promise((resolve) => waiting.push(resolve));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let marks = 0;
  return {
    label,
    root,
    kind,
    prefix,
    child,
    started: Promise.race([
      next(),
      exited.then((code) => {
        throw new Error(`${label}: the server exited with ${code} (see ${prefix}.server.log, ${prefix}.valgrind.log)`);
      }),
    ]),
    instrumentOn: () =>
      new Promise((resolve, reject) =>
        execFile('callgrind_control', ['--instr=on', String(child.pid)], (error, stdout, stderr) =>
          error ? reject(new Error(`callgrind_control: ${error.message} ${stderr}`)) : resolve(stdout),
        ),
      ),
    /** Ends a segment; resolves with the segment's number (the callgrind dump holding it). */
    mark: async () => {
      child.send({ mark: ++marks });
      await next();
      return marks;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ stop: true });
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 60_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Exclusive costs of V8's optimising compiler and of its garbage collector, by function name: both come
// in bursts (a function optimised again, a major collection) that land in one segment or another.
const COMPILER =
  /v8::internal::(compiler|maglev|baseline)::|v8::internal::(Compiler|OptimizedCompilationJob|Parser|PreParser|Scanner|BytecodeGenerator|Zone)|Deoptimiz|SourcePositionTable/;
// HeapObject::SizeFromMap and LiveObjectRange run in the collector's sweep and evacuation: left in, a major collection
// in one segment read as +50k instructions a request of "own code" (the org-key pair of 2026-12-06).
const GC =
  /v8::internal::(Scavenge|Scavenger|MarkCompact|Marking|Heap::|Sweeper|Evacuat|MemoryAllocator|MemoryChunk|GCTracer|IncrementalMarking|ConcurrentMarking|PagedSpace|RememberedSet|SlotSet|MemoryReducer|heap::|.*Visitor|BodyDescriptor|HeapObject::SizeFromMap|LiveObjectRange)/;

/**
 * Dump `n` of a server (the count between mark n-1 and mark n; dump 1 is start-up): all its
 * instructions, and those in V8's compiler and garbage collector (callgrind_annotate, by function).
 */
function countsOf(server, n) {
  const dir = path.dirname(server.prefix);
  const file = fs
    .readdirSync(dir)
    .find((f) => f.startsWith(path.basename(`${server.prefix}.callgrind.`)) && f.endsWith(`.${n}`));
  if (!file) throw new Error(`${server.label}: no callgrind dump ${n}`);
  const text = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', path.join(dir, file)], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const counts = { total: 0, compiler: 0, gc: 0 };
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+) \(/.exec(line);
    if (!match) continue;
    const value = Number(match[1].replace(/,/g, ''));
    if (line.includes('PROGRAM TOTALS')) counts.total = value;
    else if (COMPILER.test(line)) counts.compiler += value;
    else if (GC.test(line)) counts.gc += value;
  }
  return counts;
}

function request(agent, port, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function seed(agent, port) {
  const json = { 'content-type': 'application/json' };
  const expect = async (status, method, url, headers, body) => {
    const response = await request(agent, port, method, url, headers, body && JSON.stringify(body));
    if (response.status !== status)
      throw new Error(`${method} ${url}: expected ${status}, got ${response.status} ${response.body}`);
    return response;
  };
  const ctx = {};
  const email = `bench-${randomUUID()}@example.com`;
  await expect(201, 'POST', '/auth/register', json, { email, password: PASSWORD });
  const login = await expect(200, 'POST', '/auth/login', json, { email, password: PASSWORD });
  ctx.sessionCookie = [login.headers['set-cookie']]
    .flat()
    .find((c) => /^(__Host-)?sid=/.test(c))
    .split(';')[0];
  ctx.accessToken = JSON.parse(
    (await expect(200, 'POST', '/auth/token', json, { email, password: PASSWORD })).body,
  ).access_token;
  const { csrfToken } = JSON.parse((await expect(200, 'GET', '/auth/csrf', { cookie: ctx.sessionCookie })).body);
  const created = await expect(
    201,
    'POST',
    '/auth/api-keys',
    { ...json, cookie: ctx.sessionCookie, 'x-csrf-token': csrfToken },
    { name: 'bench', scopes: ['reports:read'] },
  );
  ctx.apiKey = JSON.parse(created.body).key;
  await seedOrganization(ctx, async (method, url, headers, body) => {
    const response = await request(agent, port, method, url, headers, body && JSON.stringify(body));
    return { status: response.status, body: response.body ? JSON.parse(response.body) : null };
  });
  return ctx;
}

async function drive(agent, port, scenario, ctx, count, connections) {
  const headers = scenario.headers(ctx);
  const url = typeof scenario.url === 'function' ? scenario.url(ctx) : scenario.url;
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next++ < count) {
      const response = await request(agent, port, 'GET', url, headers);
      if (response.status !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  if (failed) throw new Error(`${scenario.name}: ${failed} of ${count} requests did not answer 200`);
}

async function main() {
  const requests = Math.round(positiveNumber('BENCH_REQUESTS', 400));
  const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 3));
  const warmup = Math.round(positiveNumber('BENCH_WARMUP', 1500));
  const connections = Math.round(positiveNumber('BENCH_CONNECTIONS', 4));
  const idleSeconds = positiveNumber('BENCH_IDLE_SECONDS', 5);
  const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split('|').map((s) => s.trim())) : null;
  const selected = only ? [paths[0], ...[...paths.slice(1), ...optionalPaths].filter((p) => only.has(p.name))] : paths;
  const targets = [{ label: 'this build', root: ROOT, kind: 'app' }];
  for (const compared of (process.env.BENCH_COMPARE_WITH ?? '').split(',').filter(Boolean)) {
    const root = path.resolve(compared);
    targets.push({ label: `compared build ${path.basename(root)}`, root, kind: 'app' });
  }
  if (process.env.BENCH_BARE) targets.push({ label: 'bare Nest app', root: ROOT, kind: 'bare' });
  const outDir = process.env.BENCH_KEEP
    ? path.resolve(process.env.BENCH_KEEP)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'nest-auth-callgrind-'));
  fs.mkdirSync(outDir, { recursive: true });
  console.log(
    `nest-auth instructions: callgrind, embedded, ${connections} keep-alive connections, ${rounds} rounds of ${requests} requests per path, ` +
      `${warmup} warm-up requests per path, node ${process.version} ${process.env.BENCH_NODE_FLAGS ?? '--single-threaded'}`,
  );
  const servers = [];
  /** Starts one target's server under callgrind, seeds and warms it up, runs the rounds, reads the counts. */
  async function measure(target) {
    const server = startServer(target, outDir);
    servers.push(server);
    const { port } = await server.started;
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    const scenarios = server.kind === 'bare' ? selected.slice(0, 1) : selected;
    const ctx = server.kind === 'bare' ? {} : await seed(agent, port);
    for (const scenario of scenarios) await drive(agent, port, scenario, ctx, warmup, connections);
    await server.instrumentOn();
    // Switching instrumentation on drops valgrind's translations: the first instrumented requests pay to redo them.
    for (const scenario of scenarios) await drive(agent, port, scenario, ctx, Math.ceil(requests / 4), connections);
    const perRound = scenarios.map(() => []);
    const seconds = scenarios.map(() => []);
    await server.mark();
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...scenarios.keys()].reverse() : [...scenarios.keys()];
      for (const s of order) {
        const started = Date.now();
        await drive(agent, port, scenarios[s], ctx, requests, connections);
        perRound[s][round] = await server.mark();
        seconds[s][round] = (Date.now() - started) / 1000;
      }
    }
    const idleStart = Date.now();
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const idleSegment = await server.mark();
    const idleMs = Date.now() - idleStart;
    agent.destroy();
    await server.stop();
    const idle = countsOf(server, idleSegment);
    const counted = perRound.map((segments) => segments.map((segment) => countsOf(server, segment)));
    // The instance's timers (log flushes, the revocation log's reads) run by the clock, and a segment lasts
    // about 50 times longer under valgrind than natively, longer still on a busy machine: the idle rate
    // times the segment's length is taken out, so that a build measured while the machine was busy is not
    // charged for the wait.
    const idleOwnPerSecond = ((idle.total - idle.compiler - idle.gc) * 1000) / idleMs;
    console.log(`  ${server.label}: done`);
    return {
      server,
      scenarios,
      idlePerSecond: (idle.total * 1000) / idleMs,
      perRequest: counted.map((segments) => segments.map((c) => c.total / requests)),
      // What the request's own code runs: without V8's optimising compiler and garbage collector.
      ownPerRequest: counted.map((segments) => segments.map((c) => (c.total - c.compiler - c.gc) / requests)),
      foregroundPerRequest: counted.map((segments, s) =>
        segments.map((c, round) => (c.total - c.compiler - c.gc - idleOwnPerSecond * seconds[s][round]) / requests),
      ),
      secondsPerSegment: seconds.map((values) => median(values)),
      gcPerRequest: counted.map((segments) => segments.map((c) => c.gc / requests)),
    };
  }
  try {
    const results = [];
    // One after the other unless BENCH_PARALLEL: each is CPU-bound under valgrind (the counts do not depend on it).
    if (process.env.BENCH_PARALLEL) results.push(...(await Promise.all(targets.map(measure))));
    else for (const target of targets) results.push(await measure(target));
    const thousands = (n) => (n / 1000).toFixed(1);
    const over = (values, s) => (s === 0 ? '' : thousands(median(values[s].map((v, round) => v - values[0][round]))));
    const spread = (values) => thousands(Math.max(...values) - Math.min(...values));
    for (const {
      server,
      scenarios,
      perRequest,
      ownPerRequest,
      foregroundPerRequest,
      gcPerRequest,
      idlePerSecond,
    } of results) {
      console.log(
        `\n${server.label} (k = thousand instructions per request; background while idle: ${thousands(idlePerSecond)}k/s):`,
      );
      printTable(
        [
          'path',
          'all, k',
          'over public',
          'spread',
          'without compiler+GC, k',
          'over public',
          'spread',
          'also without background, k',
          'over public',
          'spread',
          'GC, k',
        ],
        scenarios.map((scenario, s) => [
          scenario.name,
          thousands(median(perRequest[s])),
          over(perRequest, s),
          spread(perRequest[s]),
          thousands(median(ownPerRequest[s])),
          over(ownPerRequest, s),
          spread(ownPerRequest[s]),
          thousands(median(foregroundPerRequest[s])),
          over(foregroundPerRequest, s),
          spread(foregroundPerRequest[s]),
          thousands(median(gcPerRequest[s])),
        ]),
      );
    }
    const bare = results.find((r) => r.server.kind === 'bare');
    if (bare) {
      for (const key of ['perRequest', 'ownPerRequest']) {
        const bareMedian = median(bare[key][0]);
        const what = key === 'perRequest' ? 'all instructions' : 'without compiler+GC';
        console.log(`\nunguarded route against the bare Nest app, ${what} (bare: ${thousands(bareMedian)}k/request):`);
        for (const r of results.filter((x) => x.server.kind !== 'bare')) {
          const own = median(r[key][0]);
          console.log(
            `  ${r.server.label}: ${thousands(own)}k, ${(((own - bareMedian) / bareMedian) * 100).toFixed(1)}% more`,
          );
        }
      }
    }
    const summary = results.map(
      ({
        server,
        scenarios,
        perRequest,
        ownPerRequest,
        foregroundPerRequest,
        secondsPerSegment,
        gcPerRequest,
        idlePerSecond,
      }) => ({
        build: server.label,
        root: server.kind === 'bare' ? 'bench/bare-app.js' : server.root,
        idleInstructionsPerSecond: Math.round(idlePerSecond),
        paths: scenarios.map((scenario, s) => ({
          name: scenario.name,
          instructionsPerRequest: Math.round(median(perRequest[s])),
          overPublic: s === 0 ? 0 : Math.round(median(perRequest[s].map((v, round) => v - perRequest[0][round]))),
          rounds: perRequest[s].map(Math.round),
          withoutCompilerAndGc: Math.round(median(ownPerRequest[s])),
          withoutCompilerAndGcOverPublic:
            s === 0 ? 0 : Math.round(median(ownPerRequest[s].map((v, round) => v - ownPerRequest[0][round]))),
          withoutCompilerAndGcRounds: ownPerRequest[s].map(Math.round),
          withoutBackground: Math.round(median(foregroundPerRequest[s])),
          withoutBackgroundOverPublic:
            s === 0
              ? 0
              : Math.round(median(foregroundPerRequest[s].map((v, round) => v - foregroundPerRequest[0][round]))),
          withoutBackgroundRounds: foregroundPerRequest[s].map(Math.round),
          secondsPerSegment: Math.round(secondsPerSegment[s] * 10) / 10,
          gc: Math.round(median(gcPerRequest[s])),
        })),
      }),
    );
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-instructions.json`);
    fs.writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, requests, rounds, warmup, connections, results: summary }, null, 2)}\n`,
    );
    console.log(
      `\nwritten to ${path.relative(ROOT, file)}${process.env.BENCH_KEEP ? `; callgrind files in ${outDir}` : ''}`,
    );
    if (!process.env.BENCH_KEEP) fs.rmSync(outDir, { recursive: true, force: true });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3], process.argv[4]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
