import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource, IsNull, Not } from 'typeorm';
import { JwtTokensService } from '../src/auth/jwt/jwt-tokens.service';
import { SessionsService } from '../src/auth/session/sessions.service';
import {
  ChildApp,
  login,
  LoggedIn,
  PASSWORD,
  sessionCookie,
  startApp,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';
import { AdminAndUserSides, startAdminAndUserSides } from './support/admin-and-user-sides';
import { decodeSegment, tokensFor } from './support/tokens';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const REASON = 'Ticket 4711: the user cannot see their invoices';
const UUID = '00000000-0000-4000-8000-000000000000';

/** Every route that changes how the user signs in or needs a fresh authentication: refused to an admin acting as the user. */
const FORBIDDEN_WHILE_IMPERSONATING: Array<{ method: 'post' | 'delete'; path: string; body?: object }> = [
  { method: 'post', path: '/auth/password', body: { currentPassword: PASSWORD, newPassword: 'a new password 1234' } },
  { method: 'post', path: '/auth/email', body: { newEmail: 'elsewhere@example.com', currentPassword: PASSWORD } },
  { method: 'post', path: '/auth/api-keys', body: { name: 'x' } },
  { method: 'delete', path: '/auth/api-keys/:key' },
  { method: 'post', path: '/auth/api-keys/:key/rotate', body: {} },
  { method: 'post', path: '/auth/mfa/totp', body: { currentPassword: PASSWORD } },
  { method: 'post', path: '/auth/mfa/totp/confirm', body: { code: '123456' } },
  { method: 'delete', path: '/auth/mfa/totp', body: { currentPassword: PASSWORD, code: '123456' } },
  { method: 'post', path: '/auth/mfa/recovery-codes', body: {} },
  { method: 'post', path: '/auth/passkeys/register/options', body: {} },
  { method: 'post', path: '/auth/passkeys/register', body: { response: {} } },
  { method: 'delete', path: `/auth/passkeys/${UUID}` },
  { method: 'delete', path: `/auth/identities/${UUID}` },
  { method: 'post', path: '/auth/reauthenticate/options', body: {} },
  { method: 'post', path: '/auth/reauthenticate', body: { password: PASSWORD } },
  { method: 'post', path: `/auth/admin/users/${UUID}/impersonate`, body: { reason: REASON } },
];

describe(`impersonation (${storageMode})`, () => {
  let sides: AdminAndUserSides;
  let adminSide: TestApp;
  let userSide: TestApp | ChildApp;
  let admin: LoggedIn;
  let dataDir: string;
  let adminEmail: string;

  before(async () => {
    sides = await startAdminAndUserSides('impersonation', { REAUTH_MAX_AGE_SECONDS: '5' });
    ({ adminSide, userSide, admin, dataDir, adminEmail } = sides);
  });
  after(() => sides.close());

  const reauthenticate = (who: LoggedIn) =>
    who.agent.post('/auth/reauthenticate').set('X-CSRF-Token', who.csrfToken).send({ password: PASSWORD }).expect(204);
  const impersonate = (who: LoggedIn, userId: string, body: object = { reason: REASON }) =>
    who.agent.post(`/auth/admin/users/${userId}/impersonate`).set('X-CSRF-Token', who.csrfToken).send(body);
  const mailsTo = (address: string) => {
    const outbox = join(dataDir, 'outbox');
    return existsSync(outbox)
      ? readdirSync(outbox)
          .map((name) => readFileSync(join(outbox, name), 'utf8'))
          .filter((mail) => mail.includes(address))
      : [];
  };

  it('gives a session admin a session acting as the user, refused every change of sign-in, and back to their own session', async () => {
    const email = uniqueEmail('helped');
    const user = await login(userSide.url, email);
    const key = await user.agent
      .post('/auth/api-keys')
      .set('X-CSRF-Token', user.csrfToken)
      .send({ name: 'own key' })
      .expect(201);
    const ownSessionId = (await admin.agent.get('/auth/sessions').expect(200)).body.find(
      (s: { current: boolean }) => s.current,
    ).id;

    await reauthenticate(admin);
    const started = await impersonate(admin, user.user.id).expect(200);
    assert.equal(started.body.user.id, user.user.id);
    assert.equal(started.body.user.email, email);
    const expiresAt = Date.parse(started.body.expiresAt);
    assert.ok(Math.abs(expiresAt - (Date.now() + 15 * 60_000)) < 30_000);
    const cookie = sessionCookie(started.headers['set-cookie']);
    assert.notEqual(cookie, admin.cookie);
    const acting = { Cookie: cookie, 'X-CSRF-Token': started.body.csrfToken };

    const me = await request(userSide.url).get('/auth/me').set(acting).expect(200);
    assert.equal(me.body.user.id, user.user.id);
    assert.deepEqual(me.body.actor, { id: admin.user.id, email: adminEmail }, 'the pages show their banner from it');
    assert.equal((await user.agent.get('/auth/me').expect(200)).body.actor, undefined);
    await request(userSide.url).get('/examples/profile').set(acting).expect(200);
    await request(userSide.url).get('/examples/admin').set(acting).expect(403);

    // Listed among the user's sessions as made by the admin, ending no later than the impersonation.
    const listed = (await user.agent.get('/auth/sessions').expect(200)).body;
    const made = listed.find((s: { actor: unknown }) => s.actor);
    assert.deepEqual(made.actor, { id: admin.user.id, email: adminEmail });
    assert.ok(Date.parse(made.expiresAt) <= expiresAt + 1000);
    assert.equal(listed.filter((s: { actor: unknown }) => !s.actor).length, 1);

    for (const route of FORBIDDEN_WHILE_IMPERSONATING) {
      const path = route.path.replace(':key', key.body.id);
      const call = request(userSide.url)[route.method](path).set(acting);
      const response = await (route.body ? call.send(route.body) : call);
      assert.equal(response.status, 403, `${route.method} ${path} answered ${response.status}`);
    }
    // Nothing of the user's changed: the key still works, the password still signs in.
    await request(userSide.url).get('/auth/me').set('X-API-Key', key.body.key).expect(200);
    await request(userSide.url).post('/auth/login').send({ email, password: PASSWORD }).expect(200);

    const ended = await request(adminSide.url).post('/auth/impersonation/end').set(acting).expect(204);
    const back = sessionCookie(ended.headers['set-cookie']);
    const backHeaders = { Cookie: back, 'X-CSRF-Token': String(ended.headers['x-csrf-token']) };
    const again = await request(adminSide.url).get('/auth/me').set(backHeaders).expect(200);
    assert.equal(again.body.user.id, admin.user.id);
    const adminSessions = (await request(adminSide.url).get('/auth/sessions').set(backHeaders).expect(200)).body;
    assert.equal(adminSessions.find((s: { current: boolean }) => s.current).id, ownSessionId);
    // Ended on the admin's instance; the user's instance drops its read of the session within a second (the bus).
    const until = Date.now() + 1000;
    for (let status = 0; status !== 401; await sleep(50)) {
      status = (await request(userSide.url).get('/auth/me').set(acting)).status;
      assert.ok(
        status === 401 || Date.now() < until,
        `the acting session still answered ${status} a second after its end`,
      );
    }
    // The admin's session came back under a new ID: the one from before impersonating does not return.
    await request(adminSide.url).get('/auth/me').set('Cookie', admin.cookie).expect(401);
    await request(adminSide.url).post('/auth/impersonation/end').set(backHeaders).expect(401);
    admin = await login(adminSide.url, adminEmail, PASSWORD, false);
    assert.ok(!(await user.agent.get('/auth/sessions').expect(200)).body.some((s: { actor: unknown }) => s.actor));

    const audit = (userId: string) =>
      admin.agent.get(`/auth/admin/audit?userId=${userId}`).then((r) => r.body as Array<Record<string, any>>);
    const onUser = await audit(user.user.id);
    const startedOnUser = onUser.find((e) => e.type === 'impersonation.started');
    assert.equal(startedOnUser?.actorId, admin.user.id);
    assert.equal(startedOnUser?.detail.reason, REASON);
    const endedOnUser = onUser.filter((e) => e.type === 'impersonation.ended');
    assert.deepEqual(
      endedOnUser.map((e) => [e.actorId, e.detail.how]),
      [[admin.user.id, 'ended']],
    );
    const onAdmin = await audit(admin.user.id);
    const startedOnAdmin = onAdmin.find((e) => e.type === 'impersonation.started');
    assert.equal(startedOnAdmin?.detail.targetUserId, user.user.id);
    assert.equal(startedOnAdmin?.detail.reason, REASON);
    const endedOnAdmin = onAdmin.filter((e) => e.type === 'impersonation.ended');
    assert.deepEqual(
      endedOnAdmin.map((e) => [e.detail.targetUserId, e.detail.how]),
      [[user.user.id, 'ended']],
    );

    let notices: string[] = [];
    for (let i = 0; i < 30 && !notices.length; i++, await sleep(100))
      notices = mailsTo(email).filter((mail) => mail.includes('acting as you'));
    assert.equal(notices.length, 1);
    assert.ok(notices[0].includes(REASON));
  });

  it('gives a bearer admin a token pair with act (RFC 8693), bounded by the impersonation, that ends on request', async () => {
    const user = await tokensFor(userSide.url);
    const own = await request(adminSide.url).post('/auth/token').send({ email: adminEmail, password: PASSWORD });
    const started = await request(adminSide.url)
      .post(`/auth/admin/users/${user.userId}/impersonate`)
      .set(bearer(own.body.access_token))
      .send({ reason: REASON, minutes: 5 })
      .expect(200);
    const claims = decodeSegment(started.body.access_token, 1);
    assert.equal(claims.sub, user.userId);
    assert.deepEqual(claims.act, { sub: admin.user.id, email: adminEmail });
    assert.ok(started.body.refresh_expires_in <= 5 * 60);
    assert.ok((claims.exp as number) <= Date.parse(started.body.expiresAt) / 1000 + 1);

    const acting = bearer(started.body.access_token);
    const me = (await request(userSide.url).get('/auth/me').set(acting).expect(200)).body;
    assert.equal(me.user.id, user.userId);
    assert.deepEqual(me.actor, { id: admin.user.id, email: adminEmail });
    for (const route of FORBIDDEN_WHILE_IMPERSONATING.filter((r) => !r.path.includes(':key'))) {
      const call = request(userSide.url)[route.method](route.path).set(acting);
      const response = await (route.body ? call.send(route.body) : call);
      assert.equal(response.status, 403, `${route.method} ${route.path} answered ${response.status}`);
    }
    const families = (await request(userSide.url).get('/auth/token-families').set(bearer(user.access_token))).body;
    assert.equal(families.filter((f: { madeByAdmin: boolean }) => f.madeByAdmin).length, 1);
    const refreshed = await request(userSide.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: started.body.refresh_token })
      .expect(200);
    assert.deepEqual(decodeSegment(refreshed.body.access_token, 1).act, { sub: admin.user.id, email: adminEmail });

    await request(adminSide.url).post('/auth/impersonation/end').set(bearer(refreshed.body.access_token)).expect(204);
    await sleep(1000);
    await request(userSide.url).get('/auth/me').set(bearer(refreshed.body.access_token)).expect(401);
    await request(userSide.url).get('/auth/me').set(bearer(own.body.access_token)).expect(200);
    await request(userSide.url).get('/auth/me').set(bearer(user.access_token)).expect(200);
    // The admin's own credential is no impersonation to end.
    await request(adminSide.url).post('/auth/impersonation/end').set(bearer(own.body.access_token)).expect(401);

    // The user ending the admin's family among their signed-in apps ends that impersonation too.
    const again = await request(adminSide.url)
      .post(`/auth/admin/users/${user.userId}/impersonate`)
      .set(bearer(own.body.access_token))
      .send({ reason: REASON })
      .expect(200);
    const listed = (await request(userSide.url).get('/auth/token-families').set(bearer(user.access_token))).body;
    const made = listed.find((f: { madeByAdmin: boolean }) => f.madeByAdmin);
    await request(userSide.url).delete(`/auth/token-families/${made.id}`).set(bearer(user.access_token)).expect(204);
    await request(userSide.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: again.body.refresh_token })
      .expect(401);
    const ended = (await admin.agent.get(`/auth/admin/audit?userId=${user.userId}&type=impersonation.ended`)).body;
    assert.deepEqual(
      ended.map((e: Record<string, any>) => [e.mechanism, e.actorId, e.detail.how]),
      [
        ['jwt', admin.user.id, 'ended'],
        ['jwt', admin.user.id, 'ended'],
      ],
    );
  });

  it('records impersonation.ended as expired once on each user when the impersonation runs out, whichever instance prunes', async () => {
    const user = await login(userSide.url);
    const helper = await login(adminSide.url, adminEmail, PASSWORD, false);
    const started = await impersonate(helper, user.user.id).expect(200);
    const acting = { Cookie: sessionCookie(started.headers['set-cookie']) };
    const own = await request(adminSide.url)
      .post('/auth/token')
      .send({ email: adminEmail, password: PASSWORD })
      .expect(200);
    const pair = await request(adminSide.url)
      .post(`/auth/admin/users/${user.user.id}/impersonate`)
      .set(bearer(own.body.access_token))
      .send({ reason: REASON })
      .expect(200);
    // Seen from the user's side only: a request of the acting session would write its own expiry back (write-behind).
    const listed = (await user.agent.get('/auth/sessions').expect(200)).body;
    assert.equal(listed.filter((s: { actor: unknown }) => s.actor).length, 1);

    // The passage of time: the impersonation's session and token family reach their end as their rows record it.
    const database = adminSide.app.get(DataSource);
    const past = new Date(Date.now() - 1000);
    const actingRows = { userId: user.user.id, actorId: Not(IsNull()) };
    assert.equal((await database.getRepository('UserSession').update(actingRows, { expiresAt: past })).affected, 1);
    assert.equal(
      (await database.getRepository('RefreshTokenFamily').update(actingRows, { expiresAt: past })).affected,
      1,
    );
    // Instances prune at the same time (the second instance's own timer may too): each end is recorded once.
    const sessions = adminSide.app.get(SessionsService);
    const tokens = adminSide.app.get(JwtTokensService);
    await Promise.all([sessions.pruneActing(), sessions.pruneActing(), tokens.pruneActing(), tokens.pruneActing()]);
    await Promise.all([sessions.prune(), sessions.pruneActing(), tokens.pruneActing()]);
    // Every instance drops what it had cached of the ended session within a second.
    await sleep(1000);

    await request(userSide.url).get('/examples/profile').set(acting).expect(401);
    await request(userSide.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: pair.body.refresh_token })
      .expect(401);
    const ended = (userId: string) =>
      admin.agent
        .get(`/auth/admin/audit?userId=${userId}&type=impersonation.ended`)
        .expect(200)
        .then((r) => r.body as Array<Record<string, any>>);
    const onUser = await ended(user.user.id);
    assert.deepEqual(onUser.map((e) => [e.mechanism, e.actorId, e.detail.how]).sort(), [
      ['jwt', admin.user.id, 'expired'],
      ['session', admin.user.id, 'expired'],
    ]);
    const onAdmin = (await ended(admin.user.id)).filter((e) => e.detail.targetUserId === user.user.id);
    assert.deepEqual(onAdmin.map((e) => [e.mechanism, e.detail.how]).sort(), [
      ['jwt', 'expired'],
      ['session', 'expired'],
    ]);
  });

  it('refuses without a reason, past 60 minutes, an admin as target, an unknown or disabled user, a non-admin, a stale admin', async () => {
    const user = await login(adminSide.url);
    const other = await login(adminSide.url);
    await reauthenticate(admin);
    for (const body of [
      {},
      { reason: 'too short' },
      { reason: 42 },
      { reason: REASON, minutes: 61 },
      { reason: REASON, minutes: 0 },
    ])
      await impersonate(admin, user.user.id, body).expect(400);
    await impersonate(admin, admin.user.id).expect(403);
    await admin.agent
      .patch(`/auth/admin/users/${other.user.id}`)
      .set('X-CSRF-Token', admin.csrfToken)
      .send({ roles: ['user', 'admin'] })
      .expect(200);
    await impersonate(admin, other.user.id).expect(403);
    await impersonate(admin, UUID).expect(404);
    await admin.agent
      .post(`/auth/admin/users/${user.user.id}/disable`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    await impersonate(admin, user.user.id).expect(409);
    const plain = await login(adminSide.url);
    await impersonate(plain, other.user.id).expect(403);
    // Freshness counts whole seconds: only max age + 1 s after the proof is it stale whatever the proof's fraction.
    await sleep(7000);
    const stale = await impersonate(admin, other.user.id).expect(401);
    assert.equal(stale.body.message, 'Reauthentication required');
  });

  it('ends on every instance within one second when the admin is signed out everywhere or disabled', async () => {
    const second = await login(adminSide.url);
    await reauthenticate(admin);
    await admin.agent
      .patch(`/auth/admin/users/${second.user.id}`)
      .set('X-CSRF-Token', admin.csrfToken)
      .send({ roles: ['user', 'admin'] })
      .expect(200);
    const secondAdmin = await login(adminSide.url, second.user.email, PASSWORD, false);
    const user = await login(userSide.url);
    const started = await impersonate(secondAdmin, user.user.id).expect(200);
    const acting = { Cookie: sessionCookie(started.headers['set-cookie']) };
    const own = await request(adminSide.url)
      .post('/auth/token')
      .send({ email: second.user.email, password: PASSWORD })
      .expect(200);
    const pair = await request(adminSide.url)
      .post(`/auth/admin/users/${user.user.id}/impersonate`)
      .set(bearer(own.body.access_token))
      .send({ reason: REASON })
      .expect(200);
    await request(userSide.url).get('/examples/profile').set(acting).expect(200);
    await request(userSide.url).get('/examples/profile').set(bearer(pair.body.access_token)).expect(200);

    await reauthenticate(admin);
    await admin.agent
      .post(`/auth/admin/users/${second.user.id}/logout-all`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    await sleep(1000);
    await request(userSide.url).get('/examples/profile').set(acting).expect(401);
    await request(userSide.url).get('/examples/profile').set(bearer(pair.body.access_token)).expect(401);
    await request(userSide.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: pair.body.refresh_token })
      .expect(401);
    await user.agent.get('/examples/profile').expect(200);

    const again = await login(adminSide.url, second.user.email, PASSWORD, false);
    const restarted = await impersonate(again, user.user.id).expect(200);
    const actingAgain = { Cookie: sessionCookie(restarted.headers['set-cookie']) };
    await request(userSide.url).get('/examples/profile').set(actingAgain).expect(200);
    await admin.agent
      .post(`/auth/admin/users/${second.user.id}/disable`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    await sleep(1000);
    await request(userSide.url).get('/examples/profile').set(actingAgain).expect(401);
    const ended = (await admin.agent.get(`/auth/admin/audit?userId=${user.user.id}&type=impersonation.ended`)).body;
    assert.deepEqual(ended.map((e: Record<string, any>) => [e.mechanism, e.actorId, e.detail.how]).sort(), [
      ['jwt', second.user.id, 'admin_signed_out'],
      ['session', second.user.id, 'admin_signed_out'],
      ['session', second.user.id, 'admin_signed_out'],
    ]);
  });
});

describe(`impersonation notice turned off (${storageMode})`, () => {
  let t: TestApp;
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-impersonation-quiet-'));
  const adminEmail = uniqueEmail('admin');
  before(async () => {
    t = await startApp({
      DATA_DIR: dataDir,
      IMPERSONATION_NOTICE: 'off',
      AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
  });
  after(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends the user no mail', async () => {
    const email = uniqueEmail('quiet');
    const user = await login(t.url, email);
    const admin = await login(t.url, adminEmail, PASSWORD, false);
    await admin.agent
      .post(`/auth/admin/users/${user.user.id}/impersonate`)
      .set('X-CSRF-Token', admin.csrfToken)
      .send({ reason: REASON })
      .expect(200);
    await sleep(500);
    const outbox = join(dataDir, 'outbox');
    const mails = existsSync(outbox) ? readdirSync(outbox).map((n) => readFileSync(join(outbox, n), 'utf8')) : [];
    assert.equal(mails.filter((mail) => mail.includes(email) && mail.includes('acting as you')).length, 0);
  });
});
