import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../src/app.setup';
import { Env, loadConfig } from '../../src/config/app.config';

/** Production mode when the run sets DATABASE_URL and REDIS_URL or REDIS_CLUSTER_NODES (as `.ci/run` does); embedded otherwise. */
export const productionMode =
  !!process.env.DATABASE_URL && !!(process.env.REDIS_URL || process.env.REDIS_CLUSTER_NODES);
export const storageMode = productionMode ? 'postgres+redis' : 'embedded';

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  env: Env;
  close(): Promise<void>;
}

/**
 * Boots the reference app exactly as `main.ts` does, on a real HTTP server on a free port (HTTPS with TLS_CERT and the rest).
 * Embedded mode gets a fresh DATA_DIR per app unless one is passed; production mode shares the
 * run's database and Redis, with a Redis key prefix per app unless one is passed (to share state
 * between instances, pass the same prefix).
 */
export async function startApp(overrides: Env = {}): Promise<TestApp> {
  const tempDir = overrides.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'nest-auth-'));
  const env = testEnv(overrides, tempDir);
  const config = loadConfig(env);
  // Logged lines go through process.stdout.write, where `captureOutput` reads them (the app's own
  // destination writes to the file descriptor; `startAppProcess` tests that one).
  if (process.env.TEST_LOGS) config.log = { ...config.log, write: (line) => void process.stdout.write(line) };
  const app = await createApp(config, process.env.TEST_LOGS ? undefined : false);
  await app.listen(Number(overrides.PORT ?? 0), '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    env,
    url: `${config.https ? 'https' : 'http'}://127.0.0.1:${address.port}`,
    close: async () => {
      await app.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/** The environment of a test instance: the run's storage, a secret and a Redis key prefix of its own unless given. */
function testEnv(overrides: Env, dataDir?: string): Env {
  return {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES,
    REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'test:'}${randomUUID()}:`,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    // Suites log in and register far more often than 10 times a minute from 127.0.0.1; the throttling suite sets its own limits.
    THROTTLE_AUTH_LIMIT: '100000',
    ...overrides,
  };
}

export interface ChildApp {
  url: string;
  env: Env;
  child: ChildProcess;
  /** Graceful stop (SIGTERM: the app's shutdown hooks run); resolves when the process has exited. */
  close(): Promise<void>;
}

/**
 * The same app in a process of its own, for tests that claim something holds across instances: it
 * shares nothing with this process but what `env` names (the database, Redis, a key prefix, secrets).
 * Pass another instance's `env` to make it a second instance of that one.
 */
export async function startAppProcess(overrides: Env = {}): Promise<ChildApp> {
  const tempDir = overrides.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'nest-auth-child-'));
  const env = testEnv(overrides, tempDir);
  const child = spawn(process.execPath, [join(__dirname, 'app-process.js')], {
    env: { ...process.env, NEST_AUTH_TEST_ENV: JSON.stringify(env) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`child app did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child app exited with ${code} before it listened: ${stderr}`));
    });
  });
  return {
    url: `${env.TLS_CERT ? 'https' : 'http'}://127.0.0.1:${port}`,
    env,
    child,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID()}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

export interface LoggedIn {
  agent: request.Agent;
  user: { id: string; email: string };
  csrfToken: string;
  cookie: string;
}

export async function register(
  url: string,
  email = uniqueEmail(),
  password = PASSWORD,
): Promise<{ id: string; email: string }> {
  const response = await request(url).post('/auth/register').send({ email, password }).expect(201);
  return response.body;
}

/** Registers (unless told the user exists) and logs in with a cookie-keeping agent. */
export async function login(
  url: string,
  email = uniqueEmail(),
  password = PASSWORD,
  registerFirst = true,
): Promise<LoggedIn> {
  if (registerFirst) await register(url, email, password);
  const agent = request.agent(url);
  const response = await agent
    .post('/auth/login')
    .set('User-Agent', 'test-agent')
    .send({ email, password })
    .expect(200);
  const cookie = sessionCookie(response.headers['set-cookie']);
  return { agent, user: response.body.user, csrfToken: response.body.csrfToken, cookie };
}

/** The `name=value` pair of the session cookie from a Set-Cookie header. */
export function sessionCookie(setCookie: string | string[] | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = all.find((c) => /^(__Host-)?sid=/.test(c));
  if (!found) throw new Error('no session cookie set');
  return found.split(';')[0];
}
