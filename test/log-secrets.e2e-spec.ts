import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { login, PASSWORD, startApp, storageMode, TestApp } from './support/app';

/** Everything the process writes to stdout and stderr while `run` goes on. */
async function captureOutput(run: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const original = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const tap = (write: typeof process.stdout.write) =>
    ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
  process.stdout.write = tap(original.out);
  process.stderr.write = tap(original.err);
  try {
    await run();
  } finally {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  }
  return chunks.join('');
}

describe(`no secret in the logs (${storageMode})`, () => {
  let t: TestApp;
  let output = '';
  const secrets: string[] = [];

  before(async () => {
    process.env.TEST_LOGS = '1';
    output = await captureOutput(async () => {
      t = await startApp();
      const wrongPassword = 'wrong-but-secret-password';
      secrets.push(PASSWORD, wrongPassword);
      const session = await login(t.url);
      secrets.push(decodeURIComponent(session.cookie.split('=')[1]).slice(2).split('.')[0], session.csrfToken);
      await request(t.url).post('/auth/login').send({ email: session.user.email, password: wrongPassword }).expect(401);
      await request(t.url)
        .post('/auth/login')
        .set('Content-Type', 'application/json')
        .send(`{"email":"${session.user.email}","password":"${wrongPassword}"`)
        .expect(400);

      const tokens = await request(t.url).post('/auth/token').send({ email: session.user.email, password: PASSWORD }).expect(200);
      secrets.push(tokens.body.access_token, tokens.body.refresh_token);
      await request(t.url).get('/examples/profile').set('Authorization', `Bearer ${tokens.body.access_token}`).expect(200);
      const refreshed = await request(t.url).post('/auth/token/refresh').send({ refresh_token: tokens.body.refresh_token }).expect(200);
      secrets.push(refreshed.body.access_token, refreshed.body.refresh_token);
      await request(t.url).post('/auth/token/refresh').send({ refresh_token: tokens.body.refresh_token }).expect(401);

      const created = await session.agent
        .post('/auth/api-keys')
        .set('X-CSRF-Token', session.csrfToken)
        .send({ name: 'logs', scopes: ['reports:read'] })
        .expect(201);
      secrets.push(created.body.key);
      await request(t.url).get('/examples/reports').set('X-API-Key', created.body.key).expect(200);
      await request(t.url).get('/examples/reports').set('X-API-Key', `${created.body.key}x`).expect(401);
      const changed = await session.agent
        .post('/auth/password')
        .set('X-CSRF-Token', session.csrfToken)
        .send({ currentPassword: PASSWORD, newPassword: 'another secret passphrase' })
        .expect(204);
      secrets.push('another secret passphrase', changed.headers['x-csrf-token']);
      await session.agent.post('/auth/logout').set('X-CSRF-Token', changed.headers['x-csrf-token']).expect(204);
      await t.close();
    });
    delete process.env.TEST_LOGS;
  });
  after(() => t?.close().catch(() => undefined));

  it('captured the app logging (the test watches something)', () => {
    assert.match(output, /Nest application successfully started/);
  });

  it('finds none of the passwords, tokens, keys or session IDs the flow used', () => {
    assert.ok(secrets.length >= 10);
    for (const secret of secrets) {
      assert.ok(secret && secret.length >= 12, 'every secret was captured');
      assert.ok(!output.includes(secret), `a secret appeared in the logs: ${secret.slice(0, 4)}…`);
    }
  });
});
