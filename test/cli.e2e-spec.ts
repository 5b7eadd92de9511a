import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ApiKeyFormat } from '@nest-auth/core';
import { login, PASSWORD, productionMode, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { freshDatabase } from './support/database';

const CLI = join(__dirname, '..', 'src', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built CLI in a process of its own, with the given environment and stdin. */
function cli(env: Record<string, string | undefined>, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env } as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

async function refusedWithin(send: () => request.Test, ms: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if ((await send()).status === 401) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`still served ${ms} ms after the command`);
}

describe(`the operator CLI, against a running instance (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(() => t.close());

  const run = (args: string[], stdin?: string) => cli(t.env, args, stdin);

  it('answers --help on every command with exit 0, and an unknown command or option with one line and exit 1', async () => {
    for (const command of [
      'user:create',
      'user:disable',
      'user:enable',
      'user:end-all',
      'key:create',
      'key:revoke',
      'cert:register',
      'jwt:generate-key',
      'migrate',
    ]) {
      const help = await run([command, '--help']);
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, new RegExp(`Usage: nest-auth ${command}`));
    }
    for (const args of [['bogus'], ['user:disable'], ['key:create', '--email', 'x@svc.local']]) {
      const failed = await run(args);
      assert.equal(failed.code, 1, args.join(' '));
      assert.equal(failed.stderr.trim().split('\n').length, 1, failed.stderr);
      assert.match(failed.stderr, /^nest-auth: /);
    }
  });

  it('user:create takes the password on stdin only, and the user logs in', async () => {
    const email = uniqueEmail('ops');
    const refused = await run(['user:create', '--email', email]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--password-stdin/);
    const created = await run(
      ['--json', 'user:create', '--email', email, '--role', 'admin', '--password-stdin'],
      PASSWORD,
    );
    assert.equal(created.code, 0, created.stderr);
    const user = JSON.parse(created.stdout);
    assert.deepEqual(user.roles, ['admin']);
    const session = await login(t.url, email, PASSWORD, false);
    await session.agent.get('/examples/admin').expect(200);
    const again = await run(['user:create', '--email', email, '--password-stdin'], PASSWORD);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Email already registered/);
  });

  it('user:disable, user:enable and user:end-all take effect on the running instance within a second', async () => {
    const session = await login(t.url);
    const tokens = (
      await request(t.url).post('/auth/token').send({ email: session.user.email, password: PASSWORD }).expect(200)
    ).body;
    const bearer = () => request(t.url).get('/examples/profile').set('Authorization', `Bearer ${tokens.access_token}`);
    await bearer().expect(200);
    const disabled = await run(['--json', 'user:disable', session.user.email]);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.equal(JSON.parse(disabled.stdout).id, session.user.id);
    assert.ok((await refusedWithin(bearer, 1500)) <= 1000);
    await session.agent.get('/examples/profile').expect(401);
    await request(t.url).post('/auth/login').send({ email: session.user.email, password: PASSWORD }).expect(401);
    assert.equal((await run(['user:enable', session.user.id])).code, 0);
    const back = await login(t.url, session.user.email, PASSWORD, false);
    await back.agent.get('/examples/profile').expect(200);
    assert.equal((await run(['user:end-all', session.user.email])).code, 0);
    assert.ok((await refusedWithin(() => back.agent.get('/examples/profile'), 1500)) <= 1000);
    const unknown = await run(['user:disable', uniqueEmail('nobody')]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^nest-auth: no user /);
  });

  it('key:create prints a service key once; key:revoke stops it on the running instance within a second', async () => {
    const email = uniqueEmail('svc');
    const created = await run(['key:create', '--email', email, '--name', 'billing', '--scopes', 'reports:read']);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.ok(ApiKeyFormat.isWellFormed(key));
    assert.ok(!created.stderr.includes(key), 'the key is printed on stdout only');
    const reports = () => request(t.url).get('/examples/reports').set('X-API-Key', key);
    await reports().expect(200);
    const listed = await run(['--json', 'key:create', '--email', email, '--name', 'second']);
    const second = JSON.parse(listed.stdout);
    assert.ok(ApiKeyFormat.isWellFormed(second.key));
    const me = (await request(t.url).get('/auth/me').set('X-API-Key', key).expect(200)).body;
    const keys = await request(t.url).get('/auth/me').set('X-API-Key', second.key).expect(200);
    assert.equal(keys.body.user.id, me.user.id);
    const id = second.id as string;
    assert.equal((await run(['key:revoke', id])).code, 0);
    assert.ok((await refusedWithin(() => request(t.url).get('/auth/me').set('X-API-Key', second.key), 1500)) <= 1000);
    await reports().expect(200);
    const missing = await run(['key:revoke', '00000000-0000-0000-0000-000000000000']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /API key not found/);
  });

  it('jwt:generate-key prints a key the app takes, for each algorithm', async () => {
    const es = await run(['jwt:generate-key']);
    assert.equal(createPrivateKey(es.stdout).asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const rs = await run(['--json', 'jwt:generate-key', '--alg', 'RS256']);
    assert.ok((createPrivateKey(JSON.parse(rs.stdout).key).asymmetricKeyDetails?.modulusLength ?? 0) >= 2048);
    const hs = await run(['jwt:generate-key', '--alg', 'HS256']);
    assert.ok(Buffer.byteLength(hs.stdout.trim()) >= 32);
    const app = await startApp({ JWT_ALG: 'HS256', JWT_SECRET: hs.stdout.trim() });
    try {
      const { email } = (
        await request(app.url).post('/auth/register').send({ email: uniqueEmail(), password: PASSWORD }).expect(201)
      ).body;
      await request(app.url).post('/auth/token').send({ email, password: PASSWORD }).expect(200);
    } finally {
      await app.close();
    }
    assert.equal((await run(['jwt:generate-key', '--alg', 'none'])).code, 1);
  });
});

describe(`the operator CLI's migrate, on an empty database (${storageMode})`, () => {
  it('runs every migration once, then has nothing to do', async () => {
    const db = productionMode ? await freshDatabase('cli') : undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-cli-'));
    const env = {
      DATA_DIR: dataDir,
      DATABASE_URL: db?.type === 'postgres' ? (db.connection as { url: string }).url : undefined,
    };
    try {
      const first = await cli(env, ['--json', 'migrate']);
      assert.equal(first.code, 0, first.stderr);
      assert.ok(JSON.parse(first.stdout).ran.length >= 5);
      const second = await cli(env, ['migrate']);
      assert.equal(second.stdout.trim(), 'Nothing to migrate.');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await db?.drop();
    }
  });
});

describe('the operator CLI, against a host’s own module (--module)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nest-auth-cli-host-'));
  const env = { CLI_HOST_DB: join(dir, 'host.sqlite') };
  const module = ['--module', `${join(__dirname, 'support', 'cli-host.js')}#cliHost`];
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates the host’s DataSource: its users table and its features’ tables, never the built-in users table', async () => {
    const migrated = await cli(env, [...module, '--json', 'migrate']);
    assert.equal(migrated.code, 0, migrated.stderr);
    const ran = JSON.parse(migrated.stdout).ran as string[];
    assert.ok(ran.includes('CreateMembers1700000000000') && ran.includes('CreateApiKeys1796083203000'));
    assert.ok(
      !ran.some((name) => name.startsWith('CreateAuthUsers')) &&
        !ran.some((name) => name.startsWith('CreateRefreshTokenTables')),
    );
  });

  it('creates a user in the host’s table, and a service account with a key', async () => {
    const created = await cli(
      env,
      [...module, '--json', 'user:create', '--email', 'ops@example.com', '--password-stdin'],
      'a-long-enough-password-1',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(JSON.parse(created.stdout).id, /^\d+$/);
    const key = await cli(env, [
      ...module,
      '--json',
      'key:create',
      '--email',
      'billing@svc.example.com',
      '--name',
      'ci',
    ]);
    assert.equal(key.code, 0, key.stderr);
  });

  it('says in one line when the module cannot be loaded', async () => {
    const broken = await cli(env, ['--module', join(dir, 'missing.js'), 'migrate']);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /--module .* could not be loaded/);
  });
});
