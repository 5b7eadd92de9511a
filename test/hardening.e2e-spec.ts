import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeyFormat } from '@nest-auth/core';
import { login, LoggedIn, PASSWORD, sessionCookie, startApp, storageMode, TestApp, uniqueEmail } from './support/app';

const NEW_PASSWORD = 'another long passphrase';

describe(`revocation-adjacent hardening (${storageMode})`, () => {
  let t: TestApp;
  let admin: LoggedIn;
  const adminEmail = uniqueEmail('admin');
  before(async () => {
    t = await startApp({
      AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
      LOCKOUT_THRESHOLD: '5',
      API_KEY_UNKNOWN_LOOKUPS_PER_MINUTE: '10',
      TRUST_PROXY: '1',
    });
    admin = await login(t.url, adminEmail, PASSWORD, false);
  });
  after(() => t.close());

  const audit = async (query: string) =>
    (await admin.agent.get(`/auth/admin/audit?${query}`).expect(200)).body as Array<Record<string, unknown>>;

  it('counts wrong current passwords toward the account back-off: 429 after the threshold, even for the right one', async () => {
    const session = await login(t.url);
    const change = (currentPassword: string) =>
      session.agent
        .post('/auth/password')
        .set('X-CSRF-Token', session.csrfToken)
        .send({ currentPassword, newPassword: NEW_PASSWORD });
    for (let i = 0; i < 5; i++) await change(`wrong guess number ${i}`).expect(400);
    const locked = await change(PASSWORD).expect(429);
    assert.ok(Number(locked.headers['retry-after']) >= 1);
    // The same account cannot log in either while it backs off.
    await request(t.url).post('/auth/login').send({ email: session.user.email, password: PASSWORD }).expect(429);
    assert.ok((await audit(`userId=${session.user.id}&type=password.check_failed`)).length >= 5);
  });

  it('keeps a failed login’s email in the audit log only when it is an address', async () => {
    const typed = 'my secret password pasted here';
    await request(t.url).post('/auth/login').send({ email: typed, password: 'whatever it is' }).expect(401);
    const address = uniqueEmail('nobody');
    await request(t.url).post('/auth/login').send({ email: address, password: 'whatever it is' }).expect(401);
    const failed = await audit('type=login.failed&limit=20');
    const emails = failed.map((event) => (event.detail as { email?: string } | null)?.email);
    assert.ok(emails.includes(address));
    assert.ok(emails.includes('(not an email address)'));
    assert.ok(!JSON.stringify(failed).includes(typed));
  });

  it('ends the registry row of the session a second login in the same browser replaces', async () => {
    const session = await login(t.url);
    await session.agent.post('/auth/login').send({ email: session.user.email, password: PASSWORD }).expect(200);
    const sessions = (await session.agent.get('/auth/sessions').expect(200)).body as Array<{ current: boolean }>;
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].current, true);
  });

  it('moves the session to a new ID on a password change: the old cookie and CSRF token stop working', async () => {
    const session = await login(t.url);
    const changed = await session.agent
      .post('/auth/password')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(204);
    const renewed = sessionCookie(changed.headers['set-cookie']);
    assert.notEqual(renewed, session.cookie);
    await request(t.url).get('/examples/profile').set('Cookie', session.cookie).expect(401);
    await request(t.url).get('/examples/profile').set('Cookie', renewed).expect(200);
    await session.agent.post('/auth/logout').set('X-CSRF-Token', session.csrfToken).expect(403);
    await session.agent.post('/auth/logout').set('X-CSRF-Token', changed.headers['x-csrf-token']).expect(204);
  });

  it('refuses unknown keys without a look-up, and never holds back a key that exists after junk from its address', async () => {
    const owner = await login(t.url);
    const create = async () =>
      (
        await owner.agent
          .post('/auth/api-keys')
          .set('X-CSRF-Token', owner.csrfToken)
          .send({ name: 'k', scopes: ['reports:read'] })
          .expect(201)
      ).body.key as string;
    const [used, fresh] = [await create(), await create()];
    const from = (ip: string, key: string) =>
      request(t.url).get('/examples/reports').set('X-Forwarded-For', ip).set('X-API-Key', key);
    await from('203.0.113.7', used).expect(200);

    const lookups = countKeyLookups(t.app.get(DataSource));
    await Promise.all(Array.from({ length: 60 }, () => from('203.0.113.7', ApiKeyFormat.generate('sk')).expect(401)));
    assert.equal(lookups.count, 0, 'an unknown key cost a look-up');
    await from('203.0.113.7', used).expect(200);
    await from('203.0.113.7', fresh).expect(200);
    assert.equal(lookups.count, 1, 'the key not cached yet is looked up once');
    lookups.stop();
  });

  it('answers 400 to bodies nested past the bound and to text a database cannot store, on every POST route', async () => {
    const session = await login(t.url);
    const nested = '['.repeat(3000) + ']'.repeat(3000);
    const bodies = [
      `{"email":${nested},"password":"x"}`,
      nested,
      '{"email":"a\\u0000@example.com","password":"correct horse battery"}',
      '{"email":"\\ud800@example.com","password":"correct horse battery"}',
      '{"email":"ada@example.com","password":"lone \\udc00 surrogate ok?"}',
    ];
    for (const path of [
      '/auth/register',
      '/auth/login',
      '/auth/token',
      '/auth/token/refresh',
      '/auth/token/revoke',
      '/auth/password',
      '/auth/api-keys',
    ]) {
      for (const body of bodies) {
        const response = await session.agent
          .post(path)
          .set('X-CSRF-Token', session.csrfToken)
          .set('Content-Type', 'application/json')
          .send(body);
        assert.equal(response.status, 400, `${path} answered ${response.status} to ${body.slice(0, 60)}`);
      }
    }
  });

  it('answers 4xx, never 5xx, to path ids and query values that cannot be ids', async () => {
    const session = await login(t.url);
    const notAnId = (status: number) => status === 400 || status === 404;
    for (const id of ['%00', 'x', '%ED%A0%80', '1%00', encodeURIComponent('a'.repeat(300))]) {
      const answers = [
        await session.agent.delete(`/auth/sessions/${id}`).set('X-CSRF-Token', session.csrfToken),
        await session.agent.delete(`/auth/api-keys/${id}`).set('X-CSRF-Token', session.csrfToken),
        await session.agent.post(`/auth/api-keys/${id}/rotate`).set('X-CSRF-Token', session.csrfToken).send({}),
        await admin.agent.post(`/auth/admin/users/${id}/disable`).set('X-CSRF-Token', admin.csrfToken),
      ];
      assert.ok(
        answers.every((answer) => notAnId(answer.status)),
        `${id}: ${answers.map((answer) => answer.status).join(', ')}`,
      );
    }
    for (const query of ['userId=%00', 'type=%00', 'limit=%00'])
      await admin.agent.get(`/auth/admin/audit?${query}`).expect(400);
    // Not UTF-8 once decoded: the query parser keeps the text as typed, which is a harmless string.
    assert.ok((await admin.agent.get('/auth/admin/audit?userId=%ED%A0%80')).status < 500);
  });
});

/** Counts the SQL statements that read API keys, from now until `stop()`. */
function countKeyLookups(dataSource: DataSource): { readonly count: number; stop(): void } {
  let count = 0;
  const counter = {
    beforeQuery(event: { query: string }) {
      if (/FROM "auth_api_keys"/i.test(event.query) && /SELECT/i.test(event.query)) count++;
    },
  };
  dataSource.subscribers.push(counter as never);
  return {
    get count() {
      return count;
    },
    stop: () => void dataSource.subscribers.splice(dataSource.subscribers.indexOf(counter as never), 1),
  };
}
