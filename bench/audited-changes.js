#!/usr/bin/env node
'use strict';
/**
 * What an audited change costs: `POST /auth/login` and `POST /auth/password` (each writes an audit
 * event; the password change also queues a notice mail), one request at a time, on this build and on
 * the builds of BENCH_COMPARE_WITH (checkouts, built, separated by commas), in interleaved rounds so
 * that a busy spell of a shared machine hits every build alike. `npm run bench:audited-changes`.
 *
 * Per operation and build: the server's CPU time per request (user + system from /proc over the round,
 * 10 ms ticks, hence many requests per round) and the median latency, each the median over the rounds.
 * Argon2id at the module's default cost (19 MiB, 2 passes) is most of both operations: a login verifies
 * one hash, a password change verifies one and makes one. The figure that matters is the difference
 * between builds in the same rounds.
 *
 * Environment: BENCH_ROUNDS (6), BENCH_LOGINS (20 per round), BENCH_CHANGES (10 per round),
 * BENCH_COMPARE_WITH, and DATABASE_URL + REDIS_URL for PostgreSQL + Redis (then BENCH_COMPARE_DATABASE_URL,
 * a database of its own for the compared builds, which may be at another schema version).
 */
const { randomUUID } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { median, positiveNumber, printTable, signed } = require('./common');
const { cpuSecondsOf, mode, startServer } = require('./server');

const ROOT = path.resolve(__dirname, '..');
const PASSWORDS = ['correct horse battery staple', 'staple battery horse correct'];
const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 6));
const loginsPerRound = Math.round(positiveNumber('BENCH_LOGINS', 20));
const changesPerRound = Math.round(positiveNumber('BENCH_CHANGES', 10));

async function send(server, method, urlPath, headers, body) {
  const started = process.hrtime.bigint();
  const response = await fetch(`${server.baseUrl}${urlPath}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { response, text, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

async function expect(status, ...args) {
  const result = await send(...args);
  if (result.response.status !== status)
    throw new Error(`${args[1]} ${args[2]}: expected ${status}, got ${result.response.status} ${result.text}`);
  return result;
}

/**
 * Two users: one who signs in again and again, and one who changes their password with a session of
 * their own (apart, so that a cap on sessions per user never ends the session the changes use).
 */
async function seed(server) {
  const register = async () => {
    const email = `bench-${randomUUID()}@example.com`;
    await expect(201, server, 'POST', '/auth/register', {}, { email, password: PASSWORDS[0] });
    return email;
  };
  const ctx = { email: await register(), changer: await register(), password: 0 };
  const login = await expect(200, server, 'POST', '/auth/login', {}, { email: ctx.changer, password: PASSWORDS[0] });
  const cookie = login.response.headers.getSetCookie().find((c) => /^(__Host-)?sid=/.test(c));
  ctx.session = { cookie: cookie.split(';')[0], 'x-csrf-token': JSON.parse(login.text).csrfToken };
  return ctx;
}

const operations = [
  {
    name: 'login (POST /auth/login)',
    count: loginsPerRound,
    run: (server, ctx) => expect(200, server, 'POST', '/auth/login', {}, { email: ctx.email, password: PASSWORDS[0] }),
  },
  {
    name: 'password change (POST /auth/password)',
    count: changesPerRound,
    run: async (server, ctx) => {
      const next = 1 - ctx.password;
      const result = await expect(204, server, 'POST', '/auth/password', ctx.session, {
        currentPassword: PASSWORDS[ctx.password],
        newPassword: PASSWORDS[next],
      });
      ctx.password = next;
      // The change renews the session: a new cookie, and its CSRF token in a header.
      const cookie = result.response.headers.getSetCookie().find((c) => /^(__Host-)?sid=/.test(c));
      if (cookie) ctx.session.cookie = cookie.split(';')[0];
      const csrfToken = result.response.headers.get('x-csrf-token');
      if (csrfToken) ctx.session['x-csrf-token'] = csrfToken;
      return result;
    },
  },
];

/** One round of one operation on one build: CPU µs per request and the median latency. */
async function measure(build, operation) {
  const cpuBefore = cpuSecondsOf(build.server.pid);
  const latencies = [];
  for (let i = 0; i < operation.count; i++) latencies.push((await operation.run(build.server, build.ctx)).ms);
  const cpuAfter = cpuSecondsOf(build.server.pid);
  return { cpuMicros: ((cpuAfter - cpuBefore) * 1e6) / operation.count, latencyMs: median(latencies) };
}

async function main() {
  const builds = [{ label: 'this build', root: ROOT, env: {} }];
  for (const compared of (process.env.BENCH_COMPARE_WITH ?? '').split(',').filter(Boolean)) {
    const env = process.env.BENCH_COMPARE_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_COMPARE_DATABASE_URL } : {};
    builds.push({ label: path.basename(path.resolve(compared)), root: path.resolve(compared), env });
  }
  console.log(
    `nest-auth audited changes: ${mode}, ${rounds} interleaved rounds of ${loginsPerRound} logins and ${changesPerRound} password changes per build, one at a time, node ${process.version}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    for (const build of builds) {
      build.server = await startServer(build.root, build.env);
      build.ctx = await seed(build.server);
      build.results = operations.map(() => []);
      // Warm-up: the first requests compile the paths.
      for (const operation of operations) await measure(build, { ...operation, count: 3 });
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...builds].reverse() : builds;
      for (const [o, operation] of operations.entries())
        for (const build of order) build.results[o].push(await measure(build, operation));
      console.log(`  round ${round + 1}/${rounds} done`);
    }
    const lines = [];
    for (const [o, operation] of operations.entries()) {
      for (const build of builds) {
        const cpu = median(build.results[o].map((r) => r.cpuMicros));
        const overFirst = median(
          build.results[o].map((r, round) => r.cpuMicros - builds[0].results[o][round].cpuMicros),
        );
        lines.push([
          operation.name,
          build.label,
          (cpu / 1000).toFixed(2),
          build === builds[0] ? '' : signed(-overFirst / 1000),
          median(build.results[o].map((r) => r.latencyMs)).toFixed(2),
        ]);
      }
    }
    printTable(['operation', 'build', 'CPU ms/req', 'this build - it, ms', 'latency ms (median)'], lines);
    const report = {
      date: new Date().toISOString(),
      mode,
      node: process.version,
      load: os.loadavg(),
      rounds,
      loginsPerRound,
      changesPerRound,
      builds: builds.map((b) => ({
        root: b.root,
        operations: operations.map((operation, o) => ({ name: operation.name, rounds: b.results[o] })),
      })),
    };
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${report.date.replace(/[:.]/g, '-')}-audited-changes-${mode}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten to ${path.relative(ROOT, file)}`);
  } finally {
    await Promise.all(builds.filter((b) => b.server).map((b) => b.server.stop()));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
