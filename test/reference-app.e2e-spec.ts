import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { login, PASSWORD, sessionCookie, startApp, storageMode, TestApp, uniqueEmail } from './support/app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`reference app (${storageMode})`, () => {
  describe('operations and examples', () => {
    let t: TestApp;
    const adminEmail = uniqueEmail('admin');
    before(async () => {
      t = await startApp({ AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail, AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
    });
    after(() => t.close());

    it('answers /health and /health/ready', async () => {
      await request(t.url).get('/health').expect(200, { status: 'ok' });
      const ready = await request(t.url).get('/health/ready').expect(200);
      assert.equal(ready.body.status, 'ok');
      assert.equal(ready.body.details.database.status, 'up');
      assert.equal(ready.body.details.redis.status, 'up');
      assert.equal(ready.body.details.redis.configured, storageMode === 'embedded' ? false : undefined);
      assert.equal(ready.body.details.revocations.status, 'up');
      assert.equal(ready.body.details.revocations.log, 'current');
    });

    it('serves the OpenAPI document with a security scheme per mechanism, named as @Auth names them, and the UI', async () => {
      const doc = await request(t.url).get('/docs-json').expect(200);
      const schemes = doc.body.components.securitySchemes;
      assert.equal(schemes.session.in, 'cookie');
      assert.equal(schemes.jwt.scheme, 'bearer');
      assert.equal(schemes.apiKey.name, 'X-API-Key');
      assert.deepEqual(doc.body.paths['/examples/profile'].get.security, [{ session: [] }, { jwt: [] }]);
      // @Auth() names no mechanism: it is documented with every mechanism of the module.
      const any = (doc.body.paths['/examples/any'].get.security as Array<Record<string, string[]>>).map(
        (entry) => Object.keys(entry)[0],
      );
      assert.deepEqual(any, ['session', 'jwt', 'apiKey', 'mtls']);
      await request(t.url).get('/docs').expect(200).expect('content-type', /html/);
    });

    it('creates the bootstrap admin once, who passes the admin route', async () => {
      const admin = await login(t.url, adminEmail, PASSWORD, false);
      assert.deepEqual(admin.user.email, adminEmail);
      const response = await admin.agent.get('/examples/admin').expect(200);
      assert.equal(response.body.via, 'session');
      const user = await login(t.url);
      await user.agent.get('/examples/admin').expect(403);
    });

    it('answers 401 on every guarded example route without credentials', async () => {
      for (const path of [
        '/examples/profile',
        '/examples/reports',
        '/examples/any',
        '/examples/admin',
        '/auth/me',
        '/auth/sessions',
      ]) {
        const response = await request(t.url).get(path).expect(401);
        assert.deepEqual(response.body, { statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' });
      }
    });

    it('sets security headers and hides the framework', async () => {
      const response = await request(t.url).get('/examples/public').expect(200);
      assert.equal(response.headers['x-powered-by'], undefined);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
    });

    it('answers 404 in JSON for unknown routes', async () => {
      const response = await request(t.url).get('/nope').expect(404);
      assert.equal(response.body.statusCode, 404);
    });
  });

  describe('cookies over HTTPS', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp({ TRUST_PROXY: '1' });
    });
    after(() => t.close());

    it('names the cookie __Host-sid and marks it Secure when served over HTTPS', async () => {
      const email = uniqueEmail();
      await request(t.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201);
      const response = await request(t.url)
        .post('/auth/login')
        .set('X-Forwarded-Proto', 'https')
        .send({ email, password: PASSWORD })
        .expect(200);
      const setCookie = String(response.headers['set-cookie']);
      assert.match(setCookie, /^__Host-sid=/);
      assert.match(setCookie, /Secure/);
      assert.match(setCookie, /Path=\//);
      assert.doesNotMatch(setCookie, /Domain=/);
      const cookie = sessionCookie(response.headers['set-cookie']);
      await request(t.url).get('/examples/profile').set('X-Forwarded-Proto', 'https').set('Cookie', cookie).expect(200);
    });

    it('ignores X-Forwarded-Proto without TRUST_PROXY', async () => {
      const plain = await startApp();
      try {
        const email = uniqueEmail();
        await request(plain.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201);
        const response = await request(plain.url)
          .post('/auth/login')
          .set('X-Forwarded-Proto', 'https')
          .send({ email, password: PASSWORD })
          .expect(200);
        assert.match(String(response.headers['set-cookie']), /^sid=/);
      } finally {
        await plain.close();
      }
    });
  });

  describe('timeouts', () => {
    it('ends a session left idle past the idle timeout', async () => {
      const t = await startApp({ SESSION_IDLE_TIMEOUT_SECONDS: '2' });
      try {
        const { agent } = await login(t.url);
        await agent.get('/examples/profile').expect(200);
        await sleep(3100);
        await agent.get('/examples/profile').expect(401);
      } finally {
        await t.close();
      }
    });

    it('keeps a session in use alive past the idle timeout', async () => {
      const t = await startApp({ SESSION_IDLE_TIMEOUT_SECONDS: '2' });
      try {
        const { agent } = await login(t.url);
        for (let i = 0; i < 7; i++) {
          await agent.get('/examples/profile').expect(200);
          await sleep(700);
        }
        await agent.get('/examples/profile').expect(200);
      } finally {
        await t.close();
      }
    });

    it('ends an active session at the absolute timeout', async () => {
      const t = await startApp({ SESSION_IDLE_TIMEOUT_SECONDS: '60', SESSION_ABSOLUTE_TIMEOUT_SECONDS: '3' });
      try {
        const { agent } = await login(t.url);
        for (let i = 0; i < 3; i++) {
          await agent.get('/examples/profile').expect(200);
          await sleep(700);
        }
        await sleep(1500);
        await agent.get('/examples/profile').expect(401);
      } finally {
        await t.close();
      }
    });
  });

  describe('restarts', () => {
    /** Logs in on one app, closes it, and asks a second app on the same data what it makes of the cookie. */
    async function profileAfterRestart(firstSecret: string, secondSecret: string): Promise<number> {
      const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-restart-'));
      const shared = { DATA_DIR: dataDir, REDIS_KEY_PREFIX: `restart-${randomBytes(6).toString('hex')}:` };
      try {
        const first = await startApp({ ...shared, SESSION_SECRET: firstSecret });
        const { cookie } = await login(first.url);
        await first.close();
        const second = await startApp({ ...shared, SESSION_SECRET: secondSecret });
        try {
          return (await request(second.url).get('/examples/profile').set('Cookie', cookie)).status;
        } finally {
          await second.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }

    it('keeps sessions across a restart of the app', async () => {
      const secret = randomBytes(32).toString('hex');
      assert.equal(await profileAfterRestart(secret, secret), 200);
    });

    it('accepts cookies signed with a previous secret listed after the new one, and refuses them once it is dropped', async () => {
      const oldSecret = randomBytes(32).toString('hex');
      const newSecret = randomBytes(32).toString('hex');
      assert.equal(await profileAfterRestart(oldSecret, `${newSecret},${oldSecret}`), 200);
      assert.equal(await profileAfterRestart(oldSecret, newSecret), 401);
    });
  });
});
