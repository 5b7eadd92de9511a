import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { login, LoggedIn, PASSWORD, register, startApp, storageMode, TestApp, uniqueEmail } from './support/app';

const NEW_PASSWORD = 'a new and longer passphrase';

describe(`password change, logout everywhere, administration and audit (${storageMode})`, () => {
  let t: TestApp;
  let admin: LoggedIn;
  const adminEmail = uniqueEmail('admin');

  before(async () => {
    t = await startApp({ AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail, AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
    admin = await login(t.url, adminEmail, PASSWORD, false);
  });
  after(() => t.close());

  const audit = async (query: string) =>
    (await admin.agent.get(`/auth/admin/audit?${query}`).expect(200)).body as Array<Record<string, unknown>>;

  describe('POST /auth/password', () => {
    it('refuses a wrong current password and a too-short new one with 400', async () => {
      const { agent, csrfToken } = await login(t.url);
      await agent
        .post('/auth/password')
        .set('X-CSRF-Token', csrfToken)
        .send({ currentPassword: 'wrong password!', newPassword: NEW_PASSWORD })
        .expect(400);
      await agent
        .post('/auth/password')
        .set('X-CSRF-Token', csrfToken)
        .send({ currentPassword: PASSWORD, newPassword: 'short' })
        .expect(400);
      await agent.post('/auth/password').send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }).expect(403);
    });

    it('changes the password, keeps the current session and ends the others', async () => {
      const email = uniqueEmail();
      const here = await login(t.url, email);
      const elsewhere = await login(t.url, email, PASSWORD, false);
      await here.agent
        .post('/auth/password')
        .set('X-CSRF-Token', here.csrfToken)
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
        .expect(204);
      await here.agent.get('/examples/profile').expect(200);
      await elsewhere.agent.get('/examples/profile').expect(401);
      await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(401);
      await request(t.url).post('/auth/login').send({ email, password: NEW_PASSWORD }).expect(200);
      const events = await audit(`userId=${here.user.id}&type=password.changed`);
      assert.equal(events.length, 1);
      assert.equal(events[0].mechanism, 'session');
    });

    it('answers 401 without credentials', async () => {
      await request(t.url)
        .post('/auth/password')
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
        .expect(401);
    });
  });

  describe('POST /auth/logout-all', () => {
    it('ends every session of the caller, including the current one', async () => {
      const email = uniqueEmail();
      const a = await login(t.url, email);
      const b = await login(t.url, email, PASSWORD, false);
      await a.agent.post('/auth/logout-all').set('X-CSRF-Token', a.csrfToken).expect(204);
      await a.agent.get('/examples/profile').expect(401);
      await b.agent.get('/examples/profile').expect(401);
      assert.equal((await audit(`userId=${a.user.id}&type=logout_all`)).length, 1);
    });
  });

  describe('administration', () => {
    it('answers 403 to a user who is not an admin, and 401 to nobody', async () => {
      const user = await login(t.url);
      await user.agent
        .post(`/auth/admin/users/${user.user.id}/disable`)
        .set('X-CSRF-Token', user.csrfToken)
        .expect(403);
      await user.agent.post(`/auth/admin/users/${user.user.id}/enable`).set('X-CSRF-Token', user.csrfToken).expect(403);
      await user.agent.get('/auth/admin/audit').expect(403);
      await request(t.url).get('/auth/admin/audit').expect(401);
    });

    it('disables a user: sessions end at once and login fails like a wrong password; enabling restores login', async () => {
      const email = uniqueEmail();
      const victim = await login(t.url, email);
      await admin.agent
        .post(`/auth/admin/users/${victim.user.id}/disable`)
        .set('X-CSRF-Token', admin.csrfToken)
        .expect(204);
      await victim.agent.get('/examples/profile').expect(401);
      const refused = await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(401);
      assert.equal(refused.body.message, 'Invalid email or password');
      await admin.agent
        .post(`/auth/admin/users/${victim.user.id}/enable`)
        .set('X-CSRF-Token', admin.csrfToken)
        .expect(204);
      await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(200);

      const [enabled] = await audit(`userId=${victim.user.id}&type=user.enabled`);
      const [disabled] = await audit(`userId=${victim.user.id}&type=user.disabled`);
      assert.equal(disabled.actorId, admin.user.id);
      assert.ok(new Date(String(enabled.createdAt)) >= new Date(String(disabled.createdAt)));
    });

    it('answers 404 for an unknown user', async () => {
      await admin.agent
        .post('/auth/admin/users/00000000-0000-0000-0000-000000000000/disable')
        .set('X-CSRF-Token', admin.csrfToken)
        .expect(404);
    });
  });

  describe('audit log', () => {
    it('records logins that succeed and fail, without the password', async () => {
      const email = uniqueEmail();
      const { id } = await register(t.url, email);
      await request(t.url).post('/auth/login').send({ email, password: 'not the password' }).expect(401);
      await request(t.url)
        .post('/auth/login')
        .set('User-Agent', 'audit-test')
        .send({ email, password: PASSWORD })
        .expect(200);
      // The verification mail of the registration is queued beside the request: its event lands whenever it does.
      const events = (await audit(`userId=${id}`)).filter((e) => e.type !== 'email.verification_sent');
      const types = events.map((e) => e.type);
      assert.deepEqual(types, ['login.succeeded', 'login.failed', 'user.registered']);
      assert.equal(events[0].userAgent, 'audit-test');
      assert.equal(events[0].ip, '127.0.0.1');
      const text = JSON.stringify(events);
      assert.ok(!text.includes(PASSWORD));
      assert.ok(!text.includes('not the password'));
    });

    it('filters by type and limits, newest first', async () => {
      const events = await audit('type=login.succeeded&limit=2');
      assert.ok(events.length <= 2 && events.length > 0);
      assert.ok(events.every((e) => e.type === 'login.succeeded'));
      if (events.length === 2)
        assert.ok(new Date(String(events[0].createdAt)) >= new Date(String(events[1].createdAt)));
    });

    it('refuses bad filters with 400', async () => {
      await admin.agent.get('/auth/admin/audit?limit=0').expect(400);
      await admin.agent.get('/auth/admin/audit?limit=abc').expect(400);
      await admin.agent.get('/auth/admin/audit?type=drop-table').expect(400);
      await admin.agent.get('/auth/admin/audit?userId[$ne]=x').expect(400);
    });
  });
});
