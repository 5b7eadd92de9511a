'use strict';
/**
 * Starting the servers the load benchmarks drive (the reference app with the bench routes, or the bare
 * Nest app) and reading a process's CPU time: what bench/run.js and bench/audited-changes.js share.
 * Embedded mode with a fresh DATA_DIR unless DATABASE_URL and REDIS_URL are set (or given in `extraEnv`).
 */
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

async function startServer(root, extraEnv = {}, bare = false) {
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
  // The reference app's build with the bench's organization routes (bench/host.js), or the bare app.
  const command = [
    process.execPath,
    ...(bare ? [path.join(__dirname, 'bare-app.js')] : [path.join(__dirname, 'host.js'), root]),
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
      if ((await fetch(`${server.baseUrl}${bare ? '/examples/public' : '/health'}`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await server.stop();
  throw new Error(`server did not answer /health within 30 s:\n${outputTail()}`);
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

module.exports = { cpuSecondsOf, mode, startServer };
