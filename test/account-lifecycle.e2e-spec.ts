import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import {
  ChildApp,
  login,
  LoggedIn,
  PASSWORD,
  productionMode,
  startAppProcess,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';
import type { Env } from '../src/config/app.config';
import { AdminAndUserSides, startAdminAndUserSides } from './support/admin-and-user-sides';
import { decodeSegment, tokensFor } from './support/tokens';
import { totp } from './support/totp';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const UUID = '00000000-0000-4000-8000-000000000000';
const REAUTH_MAX_AGE_SECONDS = 4;

/**
 * Deleting an account (the user's own `DELETE /auth/me`, an admin's `DELETE /auth/admin/users/:id`)
 * and exporting it (`GET /auth/me/export`). The credentials live on one instance and the deletion
 * happens on another, in a process of its own; embedded mode has one instance, which plays both parts.
 */
describe(`account deletion and export (${storageMode}, ${productionMode ? 'two instances' : 'one instance'})`, () => {
  let sides: AdminAndUserSides;
  let adminSide: TestApp;
  let userSide: TestApp | ChildApp;
  let admin: LoggedIn;
  let shared: Env;
  let adminEmail: string;

  before(async () => {
    sides = await startAdminAndUserSides('lifecycle', { REAUTH_MAX_AGE_SECONDS: String(REAUTH_MAX_AGE_SECONDS) });
    ({ adminSide, userSide, admin, shared, adminEmail } = sides);
  });
  after(() => sides.close());

  const reauthenticate = (who: LoggedIn) =>
    who.agent.post('/auth/reauthenticate').set('X-CSRF-Token', who.csrfToken).send({ password: PASSWORD }).expect(204);
  const deleteMe = (who: LoggedIn, confirm: unknown) =>
    who.agent.delete('/auth/me').set('X-CSRF-Token', who.csrfToken).send({ confirm });
  const adminDelete = (id: string) =>
    admin.agent.delete(`/auth/admin/users/${id}`).set('X-CSRF-Token', admin.csrfToken);
  const auditExport = async () =>
    (await admin.agent.get('/auth/admin/audit/export').buffer(true).parse(text).expect(200)).body as string;

  it('ends every credential kind on every instance within one second, frees the email and keeps audit events without it', async () => {
    const email = uniqueEmail('leaving');
    // A failed login before the account exists: an event without a user that names the address.
    await request(userSide.url).post('/auth/login').send({ email, password: 'not the password at all' }).expect(401);
    const session = await login(userSide.url, email);
    await request(userSide.url).post('/auth/login').send({ email, password: 'a wrong password here' }).expect(401);
    const tokens = await tokensFor(userSide.url, email, false);
    const key: string = (
      await session.agent
        .post('/auth/api-keys')
        .set('X-CSRF-Token', session.csrfToken)
        .send({ name: 'svc', scopes: ['reports:read'] })
        .expect(201)
    ).body.key;
    const profile = () => session.agent.get('/examples/profile');
    const withToken = () => request(userSide.url).get('/examples/profile').set(bearer(tokens.access_token));
    const withKey = () => request(userSide.url).get('/examples/reports').set('X-API-Key', key);
    // Each credential verified once on the user's instance, so its caches hold them.
    await profile().expect(200);
    await withToken().expect(200);
    await withKey().expect(200);

    await request(adminSide.url)
      .delete('/auth/me')
      .set(bearer(tokens.access_token))
      .send({ confirm: email.toUpperCase() })
      .expect(204);
    await sleep(1000);

    await profile().expect(401);
    await withToken().expect(401);
    await withKey().expect(401);
    const refresh = await request(userSide.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: tokens.refresh_token })
      .expect(401);
    assert.equal(refresh.body.error, 'invalid_grant');
    // Read before anyone types the address again (a login attempt after this is an event of its own).
    const keeping = (await auditExport())
      .split('\n')
      .filter((line) => line.toLowerCase().includes(email.toLowerCase()));
    assert.deepEqual(keeping, [], 'no audit event keeps the email');
    await request(userSide.url).post('/auth/login').send({ email, password: PASSWORD }).expect(401);
    await admin.agent.get(`/auth/admin/users/${session.user.id}`).expect(404);
    if (productionMode) {
      // An instance that starts after the deletion: the user's rows are gone, and still the access token is refused.
      const later = await startAppProcess(shared);
      try {
        await request(later.url).get('/examples/profile').set(bearer(tokens.access_token)).expect(401);
      } finally {
        await later.close();
      }
    }

    const events = (await admin.agent.get('/auth/admin/audit').query({ userId: session.user.id }).expect(200)).body;
    const types = events.map((event: { type: string }) => event.type);
    for (const type of ['user.registered', 'login.succeeded', 'login.failed', 'api_key.created', 'user.deleted'])
      assert.ok(types.includes(type), `the deleted user's ${type} event stays`);
    const deleted = events.find((event: { type: string }) => event.type === 'user.deleted');
    assert.equal(deleted.actorId, null, 'deleted by the user themselves');

    const again = await request(userSide.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201);
    assert.notEqual(again.body.id, session.user.id);
  });

  it('asks for the email as confirmation, a fresh authentication, and refuses an admin acting as the user', async () => {
    const session = await login(userSide.url);
    for (const confirm of [undefined, 42, '', uniqueEmail(), 'x'.repeat(400)])
      await deleteMe(session, confirm).expect(400);
    await session.agent.delete('/auth/me').send({ confirm: session.user.email }).expect(403);

    const adminTokens = await tokensFor(adminSide.url, adminEmail, false);
    const acting = await request(adminSide.url)
      .post(`/auth/admin/users/${session.user.id}/impersonate`)
      .set(bearer(adminTokens.access_token))
      .send({ reason: 'Ticket 4712: the user asked us to look at their account' })
      .expect(200);
    const actingAs = bearer(acting.body.access_token);
    assert.ok(decodeSegment(acting.body.access_token, 1).act);
    const refused = await request(userSide.url)
      .delete('/auth/me')
      .set(actingAs)
      .send({ confirm: session.user.email })
      .expect(403);
    assert.equal(refused.body.message, 'Not allowed while impersonating');
    await request(userSide.url).get('/auth/me/export').set(actingAs).expect(403);

    await sleep((REAUTH_MAX_AGE_SECONDS + 2) * 1000);
    const stale = await deleteMe(session, session.user.email).expect(401);
    assert.equal(stale.body.message, 'Reauthentication required');
    assert.equal((await session.agent.get('/auth/me/export').expect(401)).body.message, 'Reauthentication required');
    await reauthenticate(session);
    await deleteMe(session, session.user.email).expect(204);
    await session.agent.get('/auth/me').expect(401);
  });

  it('refuses the last owner of an organization (409), and deletes once the organization is gone', async () => {
    const session = await login(userSide.url);
    const org = await session.agent
      .post('/auth/orgs')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ name: 'Acme', slug: `acme-${randomBytes(4).toString('hex')}` })
      .expect(201);
    const refused = await deleteMe(session, session.user.email).expect(409);
    assert.match(refused.body.message, /last owner of an organization/);
    await session.agent.get('/examples/profile').expect(200);
    await session.agent.delete(`/auth/orgs/${org.body.id}`).set('X-CSRF-Token', session.csrfToken).expect(204);
    await deleteMe(session, session.user.email).expect(204);
  });

  it('deleting an organization deletes its service user, the owner of its keys', async () => {
    const owner = await login(userSide.url);
    const org = (
      await owner.agent
        .post('/auth/orgs')
        .set('X-CSRF-Token', owner.csrfToken)
        .send({ name: 'Keys Inc', slug: `keys-${randomBytes(4).toString('hex')}` })
        .expect(201)
    ).body;
    const key: string = (
      await owner.agent
        .post(`/auth/orgs/${org.id}/api-keys`)
        .set('X-CSRF-Token', owner.csrfToken)
        .send({ name: 'ci', scopes: ['members:read'] })
        .expect(201)
    ).body.key;
    await request(userSide.url).get(`/auth/orgs/${org.id}/members`).set('X-API-Key', key).expect(200);
    const found = (
      await admin.agent
        .get('/auth/admin/users')
        .query({ query: `org-${org.id}` })
        .expect(200)
    ).body;
    assert.equal(found.items.length, 1);
    const serviceUser = found.items[0].id;
    await admin.agent.get(`/auth/admin/users/${serviceUser}`).expect(200);

    await owner.agent.delete(`/auth/orgs/${org.id}`).set('X-CSRF-Token', owner.csrfToken).expect(204);
    await admin.agent.get(`/auth/admin/users/${serviceUser}`).expect(404);
    await request(userSide.url).get('/auth/me').set('X-API-Key', key).expect(401);
    const events = (await admin.agent.get('/auth/admin/audit').query({ userId: serviceUser }).expect(200)).body;
    const deleted = events.find((event: { type: string }) => event.type === 'user.deleted');
    assert.equal(deleted?.actorId, owner.user.id);
  });

  it('exports everything kept about the caller as an attachment, and no secret', async () => {
    const email = uniqueEmail('export');
    const session = await login(userSide.url, email);
    const tokens = await tokensFor(userSide.url, email, false);
    const key: string = (
      await session.agent
        .post('/auth/api-keys')
        .set('X-CSRF-Token', session.csrfToken)
        .send({ name: 'exported', scopes: ['reports:read'] })
        .expect(201)
    ).body.key;
    const started = await session.agent
      .post('/auth/mfa/totp')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ currentPassword: PASSWORD })
      .expect(201);
    const secret: string = started.body.secret;
    // Away from the edge of a 30-second step, so the code is the one the server expects.
    if (30 - ((Date.now() / 1000) % 30) < 2) await sleep(2500);
    const confirmed = await session.agent
      .post('/auth/mfa/totp/confirm')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ code: totp(secret) })
      .expect(200);
    const org = await session.agent
      .post('/auth/orgs')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ name: 'Exported Org', slug: `exp-${randomBytes(4).toString('hex')}` })
      .expect(201);

    const response = await request(userSide.url).get('/auth/me/export').set(bearer(tokens.access_token)).expect(200);
    assert.match(response.headers['content-disposition'], /^attachment; filename="account-export\.json"$/);
    assert.match(response.headers['content-type'], /^application\/json/);
    const exported = response.body;
    assert.equal(exported.profile.id, session.user.id);
    assert.equal(exported.profile.email, email);
    assert.equal(exported.sessions.length, 1);
    assert.equal(exported.tokenFamilies.length, 1);
    assert.deepEqual(
      exported.apiKeys.map((k: { name: string }) => k.name),
      ['exported'],
    );
    assert.deepEqual(exported.passkeys, []);
    assert.deepEqual(exported.identities, []);
    assert.deepEqual(exported.mfa, { totp: true, recoveryCodesLeft: confirmed.body.recoveryCodes.length });
    assert.deepEqual(exported.organizations, [
      { id: org.body.id, name: 'Exported Org', slug: org.body.slug, role: 'owner' },
    ]);
    const types = exported.auditEvents.map((event: { type: string }) => event.type);
    for (const type of ['user.registered', 'login.succeeded', 'api_key.created', 'mfa.totp_enabled', 'org.created'])
      assert.ok(types.includes(type), `export holds ${type}`);
    assert.ok(exported.auditEvents.every((event: { userId: string }) => event.userId === session.user.id));
    const audited = (
      await admin.agent.get(`/auth/admin/audit?userId=${session.user.id}&type=account.exported`).expect(200)
    ).body;
    assert.equal((Array.isArray(audited) ? audited : audited.items).length, 1, 'the export is in the audit trail');

    const text = JSON.stringify(exported);
    const secrets: Record<string, string> = {
      'API key': key,
      'API key secret part': key.slice(-20),
      'refresh token': tokens.refresh_token,
      'access token': tokens.access_token,
      'TOTP secret': secret,
      'session ID': /s:([^.]+)\./.exec(decodeURIComponent(session.cookie))?.[1] ?? session.cookie,
      'recovery code': confirmed.body.recoveryCodes[0],
    };
    for (const [name, value] of Object.entries(secrets))
      assert.ok(!text.includes(value), `the export holds the ${name}`);
    assert.doesNotMatch(text, /\$argon2|"(passwordHash|secretHash|tokenHash|keyHash|hash|secret|publicKey)"/);
  });

  it('lets an admin delete a user (another admin too), never themselves, after a fresh authentication', async () => {
    const user = await login(userSide.url);
    const tokens = await tokensFor(userSide.url, user.user.email, false);
    const otherAdmin = await login(userSide.url);
    await reauthenticate(admin);
    await admin.agent
      .patch(`/auth/admin/users/${otherAdmin.user.id}`)
      .set('X-CSRF-Token', admin.csrfToken)
      .send({ roles: ['user', 'admin'] })
      .expect(200);

    await user.agent.delete(`/auth/admin/users/${otherAdmin.user.id}`).set('X-CSRF-Token', user.csrfToken).expect(403);
    await adminDelete(admin.user.id).expect(403);
    await adminDelete(UUID).expect(404);
    await adminDelete('x'.repeat(65)).expect(400);
    await request(userSide.url).get('/auth/me').set(bearer(tokens.access_token)).expect(200);
    await adminDelete(user.user.id).expect(204);
    await adminDelete(user.user.id).expect(404);
    await adminDelete(otherAdmin.user.id).expect(204);
    await sleep(1000);
    await request(userSide.url).get('/auth/me').set(bearer(tokens.access_token)).expect(401);
    await user.agent.get('/auth/me').expect(401);
    await otherAdmin.agent.get('/auth/me').expect(401);
    const events = (await admin.agent.get('/auth/admin/audit').query({ userId: user.user.id }).expect(200)).body;
    assert.equal(events.find((event: { type: string }) => event.type === 'user.deleted')?.actorId, admin.user.id);

    await sleep((REAUTH_MAX_AGE_SECONDS + 2) * 1000);
    const target = await login(userSide.url);
    const stale = await adminDelete(target.user.id).expect(401);
    assert.equal(stale.body.message, 'Reauthentication required');
  });
});

function text(response: request.Response, done: (error: Error | null, body: string) => void): void {
  let body = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => (body += chunk));
  response.on('end', () => done(null, body));
}
