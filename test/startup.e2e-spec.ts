import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from './support/faults';

/** The built app, started as `npm run start:prod` starts it; its exit code, output and time to exit. */
function start(env: Record<string, string>): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

describe('start-up against a store that is not there', () => {
  it('stops with exit code 1 and one line when Redis does not answer within REDIS_STARTUP_TIMEOUT_SECONDS', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-startup-'));
    try {
      const port = await freePort();
      const { code, output } = await start({
        DATA_DIR: dataDir,
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_STARTUP_TIMEOUT_SECONDS: '2',
      });
      assert.equal(code, 1, output);
      assert.match(output, /Redis did not answer within 2 s at start/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stops with exit code 1 and one line when PostgreSQL does not answer within DATABASE_STARTUP_TIMEOUT_SECONDS', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-startup-'));
    try {
      const port = await freePort();
      const { code, output, ms } = await start({
        DATA_DIR: dataDir,
        DATABASE_URL: `postgres://nest:nest@127.0.0.1:${port}/nest`,
        DATABASE_STARTUP_TIMEOUT_SECONDS: '2',
      });
      assert.equal(code, 1, output);
      assert.match(output, /The database did not answer within 2 s at start \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)/);
      // It kept trying for the wait, then stopped: not at the first refusal, not after TypeORM's own retries.
      assert.ok(ms >= 2000 && ms < 15_000, `exited after ${ms} ms`);
      assert.doesNotMatch(output, /Unable to connect to the database\. Retrying/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
