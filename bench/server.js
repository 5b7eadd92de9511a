'use strict';
/**
 * Starting the servers the load benchmarks drive (the reference app with the bench routes, the bare
 * Nest app, or another app such as bench/peers/tutorial-app.js), seeding the reference app's credentials,
 * and reading a process's CPU time: what bench/run.js, bench/peers.js and bench/audited-changes.js share.
 * Embedded mode with a fresh DATA_DIR unless DATABASE_URL and REDIS_URL are set (or given in `extraEnv`).
 */
const { randomUUID } = require('node:crypto');
const autocannon = require('autocannon');
const { spawn } = require('node:child_process');
const { closeSync, mkdtempSync, openSync, readFileSync, rmSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const mode = process.env.DATABASE_URL && process.env.REDIS_URL ? 'postgres+redis' : 'embedded';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts root's reference app (bench/host.js), or with `app` true the bare Nest app, or with `app`
 * `{ script, readyPath }` another app that serves on HOST:PORT (ready when readyPath answers 2xx).
 */
async function startServer(root, extraEnv = {}, app = false) {
  const bare = app === true;
  const other = typeof app === 'object' && app !== null ? app : null;
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nest-auth-bench-'));
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    // What production runs: a JSON request line per request (pretty printing is for people, and costs more).
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: `bench-${Date.now()}:`,
    // The benchmark measures authenticated requests, not the limits of the auth routes.
    THROTTLE_AUTH_LIMIT: '1000000',
    LOCKOUT_THRESHOLD: '1000000',
    API_KEY_RATE_LIMIT_PER_MINUTE: '100000000',
    ...extraEnv,
  };
  if (mode === 'embedded') {
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
  }
  // The server's output goes to a file, not through this process: reading a log line per request here
  // would take CPU from the load generator, which shares the machine with the server.
  const logFile = path.join(dataDir, 'server.log');
  const logFd = openSync(logFile, 'w');
  // The reference app's build with the bench's organization routes (bench/host.js), the bare app, or another.
  const command = [
    process.execPath,
    ...(other
      ? [other.script]
      : bare
        ? [path.join(__dirname, 'bare-app.js')]
        : [path.join(__dirname, 'host.js'), root]),
  ];
  const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const outputTail = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-20_000);
    } catch {
      return '';
    }
  };
  const server = {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${outputTail()}`);
    try {
      const readyPath = other ? other.readyPath : bare ? '/examples/public' : '/health';
      if ((await fetch(`${server.baseUrl}${readyPath}`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await server.stop();
  throw new Error(`server did not answer within 30 s:\n${outputTail()}`);
}

/** CPU ticks per second of /proc/<pid>/stat (USER_HZ), 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds the server process has used so far, or null where /proc is not there. */
function cpuSecondsOf(pid) {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * One autocannon run of `seconds` against `url`, with the server's CPU time over it (`pid`'s user +
 * system time, per request). Non-2xx answers and errors are counted, never hidden.
 */
async function driveRound({ url, method = 'GET', headers = {}, connections, seconds, pid }) {
  const cpuBefore = cpuSecondsOf(pid);
  const result = await autocannon({ url, method, headers, connections, duration: seconds });
  const cpuAfter = cpuSecondsOf(pid);
  return {
    cpuMicrosPerRequest:
      cpuBefore === null || cpuAfter === null
        ? null
        : ((cpuAfter - cpuBefore) * 1e6) / Math.max(1, result.requests.total),
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

const PASSWORD = 'correct horse battery staple';

/** A JSON request to `ctx.baseUrl`; with `expectStatus`, throws on any other status. */
async function call(ctx, method, urlPath, body, expectStatus, headers = {}) {
  const response = await fetch(`${ctx.baseUrl}${urlPath}`, {
    method,
    headers: body ? { 'content-type': 'application/json', ...headers } : headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  if (expectStatus && response.status !== expectStatus) {
    throw new Error(`${method} ${urlPath}: expected ${expectStatus}, got ${response.status} ${await response.text()}`);
  }
  return response;
}

/**
 * The reference app's credentials, seeded over HTTP on a running server, in order: a user
 * (`ctx.email`), a session cookie (`ctx.sessionCookie`), a JWT (`ctx.accessToken`) and an API key
 * with `reports:read` (`ctx.apiKey`).
 */
const credentialSeedSteps = [
  async function registerUser(ctx) {
    ctx.email = `bench-${randomUUID()}@example.com`;
    await call(ctx, 'POST', '/auth/register', { email: ctx.email, password: PASSWORD }, 201);
  },
  async function loginSession(ctx) {
    const response = await call(ctx, 'POST', '/auth/login', { email: ctx.email, password: PASSWORD }, 200);
    const cookie = (response.headers.getSetCookie?.() ?? []).find((c) => /^(__Host-)?sid=/.test(c));
    if (!cookie) throw new Error('login set no session cookie');
    ctx.sessionCookie = cookie.split(';')[0];
  },
  async function issueJwt(ctx) {
    const response = await call(ctx, 'POST', '/auth/token', { email: ctx.email, password: PASSWORD }, 200);
    ctx.accessToken = (await response.json()).access_token;
  },
  async function issueApiKey(ctx) {
    const session = { cookie: ctx.sessionCookie };
    const { csrfToken } = await (await call(ctx, 'GET', '/auth/csrf', undefined, 200, session)).json();
    const body = { name: 'bench', scopes: ['reports:read'] };
    const response = await call(ctx, 'POST', '/auth/api-keys', body, 201, { ...session, 'x-csrf-token': csrfToken });
    ctx.apiKey = (await response.json()).key;
  },
];

module.exports = { PASSWORD, call, credentialSeedSteps, cpuSecondsOf, driveRound, mode, startServer };
