import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AccountsService } from '../src/auth';
import { AUTH_REDIS } from '../src/auth/extend';
import { sha256Hex } from '../src/auth/core/secrets';
import {
  login,
  PASSWORD,
  productionMode,
  register,
  sessionCookie,
  startApp,
  startAppProcess,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';

const placeholder = (dataSource: DataSource) => (dataSource.options.type === 'postgres' ? '$1' : '?');
const cookieValue = (cookie: string) => decodeURIComponent(cookie.split('=')[1]);
/** The session ID inside a signed cookie value `s:<id>.<signature>`. */
const sessionIdOf = (cookie: string) => cookieValue(cookie).slice(2).split('.')[0];

describe(`sessions and registration (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(() => t.close());

  describe('registration', () => {
    it('creates a user with a trimmed, lower-cased email and the user role', async () => {
      const email = uniqueEmail('Mixed');
      const response = await request(t.url)
        .post('/auth/register')
        .send({ email: `  ${email.toUpperCase()} `, password: PASSWORD, name: 'Ada' })
        .expect(201);
      assert.deepEqual(Object.keys(response.body).sort(), ['email', 'emailVerified', 'id', 'name', 'roles']);
      assert.equal(response.body.emailVerified, false);
      assert.equal(response.body.email, email.toLowerCase());
      assert.deepEqual(response.body.roles, ['user']);
    });

    it('refuses a taken email with 409, whatever its case', async () => {
      const email = uniqueEmail();
      await register(t.url, email);
      await request(t.url).post('/auth/register').send({ email: email.toUpperCase(), password: PASSWORD }).expect(409);
    });

    for (const [label, body] of [
      ['a password of 11 characters', { email: uniqueEmail(), password: 'x'.repeat(11) }],
      ['a password of 129 characters', { email: uniqueEmail(), password: 'x'.repeat(129) }],
      ['an invalid email', { email: 'not-an-email', password: PASSWORD }],
      ['an email over 254 characters', { email: `${'a'.repeat(250)}@example.com`, password: PASSWORD }],
      ['an email that is an object', { email: { $gt: '' }, password: PASSWORD }],
      ['an email that is an array', { email: [uniqueEmail()], password: PASSWORD }],
      ['a password that is a number', { email: uniqueEmail(), password: 123456789012345 }],
      ['an unknown field', { email: uniqueEmail(), password: PASSWORD, roles: ['admin'] }],
      ['an empty body', {}],
    ] as const) {
      it(`answers 400 to ${label}`, async () => {
        const response = await request(t.url).post('/auth/register').send(body).expect(400);
        assert.equal(response.body.statusCode, 400);
        assert.equal(response.body.error, 'Bad Request');
      });
    }

    it('answers 413 to a body over 10 kB', async () => {
      const response = await request(t.url)
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: PASSWORD, name: 'x'.repeat(11_000) })
        .expect(413);
      assert.equal(response.body.statusCode, 413);
    });

    it('answers 415 to a body that is not JSON', async () => {
      await request(t.url).post('/auth/register').type('form').send('email=a@b.c&password=123456789012').expect(415);
      await request(t.url).post('/auth/login').set('Content-Type', 'text/plain').send('{"email":"a@b.c"}').expect(415);
    });

    it('answers 400 to malformed JSON, without a stack trace', async () => {
      const response = await request(t.url)
        .post('/auth/register')
        .set('Content-Type', 'application/json')
        .send('{"email":')
        .expect(400);
      assert.doesNotMatch(JSON.stringify(response.body), /at .*\.js|SyntaxError/);
    });
  });

  describe('login', () => {
    it('answers 200 with the user and a CSRF token, and sets an HttpOnly SameSite=Lax cookie on /', async () => {
      const email = uniqueEmail();
      await register(t.url, email);
      const response = await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(200);
      assert.equal(response.body.user.email, email);
      assert.equal(typeof response.body.csrfToken, 'string');
      const setCookie = String(response.headers['set-cookie']);
      assert.match(setCookie, /^sid=/);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Lax/);
      assert.match(setCookie, /Path=\//);
      assert.doesNotMatch(setCookie, /Secure/);
    });

    it('gives the same 401 for an unknown email, a wrong password and a disabled account', async () => {
      const email = uniqueEmail();
      const disabled = uniqueEmail();
      await register(t.url, email);
      const { id } = await register(t.url, disabled);
      await t.app.get(AccountsService).disable(id);
      const answers = await Promise.all([
        request(t.url).post('/auth/login').send({ email: uniqueEmail(), password: PASSWORD }),
        request(t.url)
          .post('/auth/login')
          .send({ email, password: `${PASSWORD}!` }),
        request(t.url).post('/auth/login').send({ email: disabled, password: PASSWORD }),
      ]);
      for (const answer of answers) {
        assert.equal(answer.status, 401);
        assert.deepEqual(answer.body, { statusCode: 401, message: 'Invalid email or password', error: 'Unauthorized' });
        assert.equal(answer.headers['set-cookie'], undefined);
      }
    });

    it('compares the password exactly as typed', async () => {
      const email = uniqueEmail();
      await register(t.url, email);
      await request(t.url)
        .post('/auth/login')
        .send({ email, password: `${PASSWORD} ` })
        .expect(401);
      await request(t.url).post('/auth/login').send({ email, password: PASSWORD.toUpperCase() }).expect(401);
      await request(t.url)
        .post('/auth/login')
        .send({ email: ` ${email.toUpperCase()}`, password: PASSWORD })
        .expect(200);
    });

    it('refuses a password over 128 characters with 400 before hashing', async () => {
      await request(t.url)
        .post('/auth/login')
        .send({ email: uniqueEmail(), password: 'x'.repeat(129) })
        .expect(400);
    });

    it('issues a new session ID at login and never authenticates the one from before (no fixation)', async () => {
      const first = await login(t.url);
      const second = await first.agent
        .post('/auth/login')
        .send({ email: first.user.email, password: PASSWORD })
        .expect(200);
      const renewed = sessionCookie(second.headers['set-cookie']);
      assert.notEqual(renewed, first.cookie);
      await request(t.url).get('/examples/profile').set('Cookie', first.cookie).expect(401);
      await request(t.url).get('/examples/profile').set('Cookie', renewed).expect(200);

      const planted = 'sid=attacker-chosen-id';
      const response = await request(t.url)
        .post('/auth/login')
        .set('Cookie', planted)
        .send({ email: first.user.email, password: PASSWORD })
        .expect(200);
      assert.notEqual(sessionCookie(response.headers['set-cookie']), planted);
      assert.doesNotMatch(String(response.headers['set-cookie']), /attacker-chosen-id/);
    });
  });

  describe('authenticated requests', () => {
    it('lets the session reach session routes, and tells who it is at /auth/me', async () => {
      const { agent, user } = await login(t.url);
      const profile = await agent.get('/examples/profile').expect(200);
      assert.deepEqual(profile.body, { ok: true, user: { id: user.id, email: user.email }, via: 'session' });
      await agent.get('/examples/any').expect(200);
      const me = await agent.get('/auth/me').expect(200);
      assert.equal(me.body.via, 'session');
      assert.equal(me.body.user.id, user.id);
      assert.equal(me.body.scopes, undefined);
    });

    it('answers 401 with no cookie, a forged cookie or a tampered signature', async () => {
      const { cookie } = await login(t.url);
      const value = cookieValue(cookie);
      const tampered = `sid=${encodeURIComponent(value.slice(0, -2) + (value.endsWith('AA') ? 'BB' : 'AA'))}`;
      const unsigned = `sid=${sessionIdOf(cookie)}`;
      for (const forged of ['', 'sid=', 'sid=s%3Aabc.def', tampered, unsigned, 'sid=%E0%A4%A']) {
        const response = await request(t.url).get('/examples/profile').set('Cookie', forged).expect(401);
        assert.equal(response.body.statusCode, 401);
      }
    });

    it('answers 403 to a user on an admin route, and 401 to a session on an API-key route', async () => {
      const { agent } = await login(t.url);
      await agent.get('/examples/admin').expect(403);
      await agent.get('/examples/reports').expect(401);
    });

    it('serves the public route to anyone, without a user', async () => {
      const response = await request(t.url).get('/examples/public').expect(200);
      assert.deepEqual(response.body, { ok: true });
    });
  });

  describe('CSRF', () => {
    it('requires the session CSRF token on unsafe session-authenticated requests', async () => {
      const { agent, csrfToken } = await login(t.url);
      const other = await login(t.url);
      await agent.post('/auth/logout').expect(403);
      await agent.post('/auth/logout').set('X-CSRF-Token', 'wrong').expect(403);
      await agent.post('/auth/logout').set('X-CSRF-Token', other.csrfToken).expect(403);
      const fromEndpoint = await agent.get('/auth/csrf').expect(200);
      assert.equal(fromEndpoint.body.csrfToken, csrfToken);
      await agent.delete('/auth/sessions').expect(403);
      await agent.post('/auth/logout').set('X-CSRF-Token', csrfToken).expect(204);
    });

    it('needs no CSRF token for safe requests', async () => {
      const { agent } = await login(t.url);
      await agent.get('/auth/sessions').expect(200);
    });
  });

  describe('logout', () => {
    it('destroys the session server-side and clears the cookie', async () => {
      const { agent, cookie, csrfToken } = await login(t.url);
      const response = await agent.post('/auth/logout').set('X-CSRF-Token', csrfToken).expect(204);
      assert.match(String(response.headers['set-cookie']), /sid=;.*Expires=Thu, 01 Jan 1970/);
      await request(t.url).get('/examples/profile').set('Cookie', cookie).expect(401);
    });
  });

  describe('session list and revocation', () => {
    it('lists the caller sessions with the current one marked, and never the session ID', async () => {
      const email = uniqueEmail();
      const laptop = await login(t.url, email);
      const phone = await login(t.url, email, PASSWORD, false);
      const response = await laptop.agent.get('/auth/sessions').expect(200);
      assert.equal(response.body.length, 2);
      for (const entry of response.body) {
        assert.deepEqual(Object.keys(entry).sort(), [
          'actor',
          'createdAt',
          'current',
          'expiresAt',
          'id',
          'ip',
          'lastSeenAt',
          'userAgent',
        ]);
        assert.equal(entry.userAgent, 'test-agent');
        assert.equal(entry.actor, null, 'a session the user made has no admin acting');
      }
      assert.equal(response.body.filter((s: { current: boolean }) => s.current).length, 1);
      const text = JSON.stringify(response.body);
      for (const cookie of [laptop.cookie, phone.cookie]) {
        assert.ok(!text.includes(sessionIdOf(cookie)));
        assert.ok(!text.includes(sha256Hex(sessionIdOf(cookie))));
      }
    });

    it('ends one session of the caller, and answers 404 for another user session', async () => {
      const email = uniqueEmail();
      const laptop = await login(t.url, email);
      const phone = await login(t.url, email, PASSWORD, false);
      const stranger = await login(t.url);
      const list = await laptop.agent.get('/auth/sessions').expect(200);
      const phoneSession = list.body.find((s: { current: boolean }) => !s.current);
      const strangerList = await stranger.agent.get('/auth/sessions').expect(200);
      await laptop.agent
        .delete(`/auth/sessions/${strangerList.body[0].id}`)
        .set('X-CSRF-Token', laptop.csrfToken)
        .expect(404);
      await laptop.agent.delete('/auth/sessions/not-a-session').set('X-CSRF-Token', laptop.csrfToken).expect(404);
      await stranger.agent.get('/examples/profile').expect(200);
      await laptop.agent.delete(`/auth/sessions/${phoneSession.id}`).set('X-CSRF-Token', laptop.csrfToken).expect(204);
      await phone.agent.get('/examples/profile').expect(401);
      await laptop.agent.get('/examples/profile').expect(200);
    });

    it('ends every other session with DELETE /auth/sessions, and all of them with logout-all', async () => {
      const email = uniqueEmail();
      const a = await login(t.url, email);
      const b = await login(t.url, email, PASSWORD, false);
      const c = await login(t.url, email, PASSWORD, false);
      await a.agent.delete('/auth/sessions').set('X-CSRF-Token', a.csrfToken).expect(204);
      await a.agent.get('/examples/profile').expect(200);
      await b.agent.get('/examples/profile').expect(401);
      await c.agent.get('/examples/profile').expect(401);
      const d = await login(t.url, email, PASSWORD, false);
      await a.agent.post('/auth/logout-all').set('X-CSRF-Token', a.csrfToken).expect(204);
      await a.agent.get('/examples/profile').expect(401);
      await d.agent.get('/examples/profile').expect(401);
    });
  });

  describe('across instances', () => {
    it(
      productionMode
        ? 'refuses at once, on another instance that just served it, a session ended elsewhere'
        : 'refuses at once a session ended elsewhere: needs REDIS_URL and DATABASE_URL (embedded mode runs one instance)',
      { skip: !productionMode },
      async () => {
        const other = await startAppProcess({
          SESSION_SECRET: t.env.SESSION_SECRET,
          REDIS_KEY_PREFIX: t.env.REDIS_KEY_PREFIX,
          DATA_DIR: t.env.DATA_DIR,
        });
        try {
          const email = uniqueEmail();
          const here = await login(t.url, email);
          const there = await login(t.url, email, PASSWORD, false);
          await request(other.url).get('/examples/profile').set('Cookie', there.cookie).expect(200);
          const list = await here.agent.get('/auth/sessions').expect(200);
          const target = list.body.find((s: { current: boolean }) => !s.current);
          await here.agent.delete(`/auth/sessions/${target.id}`).set('X-CSRF-Token', here.csrfToken).expect(204);
          await new Promise((resolve) => setTimeout(resolve, 100));
          await request(other.url).get('/examples/profile').set('Cookie', there.cookie).expect(401);
          await request(other.url).get('/examples/profile').set('Cookie', here.cookie).expect(200);
        } finally {
          await other.close();
        }
      },
    );
  });

  describe('at rest', () => {
    it('keeps no session ID in any store, only its SHA-256', async () => {
      const { cookie, user } = await login(t.url);
      const sid = sessionIdOf(cookie);
      const dataSource = t.app.get(DataSource);
      const registry = await dataSource.query(
        `SELECT * FROM auth_sessions WHERE user_id = ${placeholder(dataSource)}`,
        [user.id],
      );
      assert.equal(registry.length, 1);
      assert.ok(!JSON.stringify(registry).includes(sid));
      assert.equal(registry[0].sid_hash, sha256Hex(sid));
      const redis = t.app.get(AUTH_REDIS);
      if (redis) {
        assert.equal(await redis.exists(`${t.env.REDIS_KEY_PREFIX}sess:${sid}`), 0);
        assert.equal(await redis.exists(`${t.env.REDIS_KEY_PREFIX}sess:${sha256Hex(sid)}`), 1);
      } else {
        const stored = await dataSource.query('SELECT * FROM auth_session_store');
        assert.ok(stored.length > 0);
        assert.ok(!JSON.stringify(stored).includes(sid));
        assert.ok(stored.some((row: { sid_hash: string }) => row.sid_hash === sha256Hex(sid)));
      }
    });

    it('stores passwords as argon2id hashes only', async () => {
      const { id } = await register(t.url);
      const dataSource = t.app.get(DataSource);
      const [row] = await dataSource.query(
        `SELECT password_hash FROM auth_users WHERE id = ${placeholder(dataSource)}`,
        [id],
      );
      const [, algorithm, , params] = row.password_hash.split('$');
      assert.equal(algorithm, 'argon2id');
      assert.deepEqual(params.split(',').sort(), ['m=19456', 'p=1', 't=2']);
      assert.ok(!row.password_hash.includes(PASSWORD));
    });
  });
});
