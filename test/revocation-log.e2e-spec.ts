import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ChildApp, login, PASSWORD, startApp, startAppProcess, storageMode, TestApp, uniqueEmail } from './support/app';
import { newEcKeyPem } from './support/tokens';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function refusedWithin(send: () => request.Test, ms: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if ((await send()).status === 401) return Date.now() - started;
    await sleep(25);
  }
  throw new Error(`still served ${ms} ms after the revocation`);
}

/**
 * Two instances on one database that share no bus: embedded, two processes on one SQLite file
 * (as when the operator's CLI revokes while the app runs); with Redis, two key prefixes. The
 * revocation log in the database is all that connects them, and it holds the one-second promise.
 */
describe(`revocations reach an instance that shares only the database (${storageMode})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-log-'));
  const shared = {
    DATA_DIR: dataDir,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    JWT_PRIVATE_KEY: newEcKeyPem().privateKey,
  };
  let a: TestApp;
  let b: ChildApp;
  const adminEmail = uniqueEmail('admin');
  before(async () => {
    a = await startApp({
      ...shared,
      REDIS_KEY_PREFIX: `log-a-${randomUUID()}:`,
      AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
    b = await startAppProcess({ ...shared, REDIS_KEY_PREFIX: `log-b-${randomUUID()}:` });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a token family revoked on A is refused by B within one second', async () => {
    const { email } = await request(a.url)
      .post('/auth/register')
      .send({ email: uniqueEmail(), password: PASSWORD })
      .expect(201)
      .then((r) => r.body);
    const tokens = (await request(a.url).post('/auth/token').send({ email, password: PASSWORD }).expect(200)).body;
    const profile = () => request(b.url).get('/examples/profile').set('Authorization', `Bearer ${tokens.access_token}`);
    await profile().expect(200);
    await request(a.url).post('/auth/token/revoke').send({ refresh_token: tokens.refresh_token }).expect(200);
    assert.ok((await refusedWithin(profile, 1500)) <= 1000);
  });

  it('an API key revoked on A, and the keys of a user disabled on A, are refused by B within one second', async () => {
    const owner = await login(a.url);
    const create = async () =>
      (
        await owner.agent
          .post('/auth/api-keys')
          .set('X-CSRF-Token', owner.csrfToken)
          .send({ name: 'k', scopes: ['reports:read'] })
          .expect(201)
      ).body;
    const [revoked, other] = [await create(), await create()];
    const reports = (key: string) => () => request(b.url).get('/examples/reports').set('X-API-Key', key);
    await reports(revoked.key)().expect(200);
    await reports(other.key)().expect(200);
    await owner.agent.delete(`/auth/api-keys/${revoked.id}`).set('X-CSRF-Token', owner.csrfToken).expect(204);
    assert.ok((await refusedWithin(reports(revoked.key), 1500)) <= 1000);
    await reports(other.key)().expect(200);

    const admin = await login(a.url, adminEmail, PASSWORD, false);
    await admin.agent
      .post(`/auth/admin/users/${owner.user.id}/disable`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    assert.ok((await refusedWithin(reports(other.key), 1500)) <= 1000);
  });
});
