import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ChildApp, login, LoggedIn, PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { AdminAndUserSides, startAdminAndUserSides } from './support/admin-and-user-sides';
import { tokensFor } from './support/tokens';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * A user's signed-in apps (refresh-token families), the admin's view of one user and ending one of
 * their devices, seen by another instance (a process of its own in PostgreSQL+Redis mode) within a
 * second, and the cap on sessions per user.
 */
describe(`devices: signed-in apps, the admin's user view, ending one device (${storageMode})`, () => {
  let sides: AdminAndUserSides;
  let adminSide: TestApp;
  let userSide: TestApp | ChildApp;
  let admin: LoggedIn;

  before(async () => {
    sides = await startAdminAndUserSides('devices');
    ({ adminSide, userSide, admin } = sides);
  });
  after(() => sides.close());

  it('lists the caller’s signed-in apps without any token, marks the current one, and ends one', async () => {
    const first = await tokensFor(userSide.url);
    const second = await request(userSide.url)
      .post('/auth/token')
      .set('User-Agent', 'phone-app/1.0')
      .send({ email: first.email, password: PASSWORD })
      .expect(200);
    const listed = await request(userSide.url)
      .get('/auth/token-families')
      .set(bearer(second.body.access_token))
      .expect(200);
    assert.equal(listed.body.length, 2);
    const current = listed.body.find((family: { current: boolean }) => family.current);
    assert.equal(current.userAgent, 'phone-app/1.0');
    for (const family of listed.body) {
      assert.deepEqual(Object.keys(family).sort(), [
        'createdAt',
        'current',
        'expiresAt',
        'id',
        'ip',
        'lastUsedAt',
        'madeByAdmin',
        'userAgent',
      ]);
    }
    const text = JSON.stringify(listed.body);
    for (const secret of [first.refresh_token, second.body.refresh_token, first.access_token])
      assert.ok(!text.includes(secret));

    const other = listed.body.find((family: { current: boolean }) => !family.current);
    // Someone else's family, or an id that is no family, is not found.
    const stranger = await tokensFor(userSide.url);
    await request(userSide.url)
      .delete(`/auth/token-families/${other.id}`)
      .set(bearer(stranger.access_token))
      .expect(404);
    await request(userSide.url).delete('/auth/token-families/not-an-id').set(bearer(stranger.access_token)).expect(404);

    await request(userSide.url)
      .delete(`/auth/token-families/${other.id}`)
      .set(bearer(second.body.access_token))
      .expect(204);
    await request(userSide.url).get('/auth/me').set(bearer(first.access_token)).expect(401);
    await request(userSide.url).post('/auth/token/refresh').send({ refresh_token: first.refresh_token }).expect(401);
    await request(userSide.url).get('/auth/me').set(bearer(second.body.access_token)).expect(200);
    await request(userSide.url)
      .delete(`/auth/token-families/${other.id}`)
      .set(bearer(second.body.access_token))
      .expect(404);
    await request(userSide.url).get('/auth/token-families').expect(401);
  });

  it('shows an admin one user with every credential’s metadata and never a secret; 404 unknown, 403 non-admins', async () => {
    const email = uniqueEmail('viewed');
    const session = await login(userSide.url, email);
    const tokens = await tokensFor(userSide.url, email, false);
    const key = await session.agent
      .post('/auth/api-keys')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ name: 'ci', scopes: ['reports:read'] })
      .expect(201);

    const viewed = await admin.agent.get(`/auth/admin/users/${session.user.id}`).expect(200);
    const body = viewed.body;
    assert.equal(body.email, email);
    assert.equal(body.disabled, false);
    for (const part of ['sessions', 'tokenFamilies', 'apiKeys', 'passkeys', 'identities'])
      assert.ok(Array.isArray(body[part]), part);
    assert.deepEqual(body.mfa, { totp: false, recoveryCodesLeft: 0 });
    assert.equal(body.sessions.length, 1);
    assert.equal(body.tokenFamilies.length, 1);
    assert.equal(body.apiKeys[0].name, 'ci');
    const text = JSON.stringify(body);
    for (const secret of [key.body.key, tokens.refresh_token, tokens.access_token, session.cookie.split('=')[1]])
      assert.ok(!text.includes(secret));
    assert.ok(!/hash|secret|password/i.test(text));

    await admin.agent.get('/auth/admin/users/no-such-user').expect(404);
    await session.agent.get(`/auth/admin/users/${session.user.id}`).expect(403);
    await request(adminSide.url).get(`/auth/admin/users/${session.user.id}`).expect(401);
    await session.agent
      .delete(`/auth/admin/users/${session.user.id}/sessions/${body.sessions[0].id}`)
      .set('X-CSRF-Token', session.csrfToken)
      .expect(403);
  });

  it('ends one session and one signed-in app of a user on another instance within one second, and only those', async () => {
    const email = uniqueEmail('device');
    const kept = await login(userSide.url, email);
    const ended = await login(userSide.url, email, PASSWORD, false);
    const keptTokens = await tokensFor(userSide.url, email, false);
    const endedTokens = await tokensFor(userSide.url, email, false);
    // Warm the other instance's caches, so that only the announcement can end them there.
    await ended.agent.get('/examples/profile').expect(200);
    await request(userSide.url).get('/examples/profile').set(bearer(endedTokens.access_token)).expect(200);

    const view = (await admin.agent.get(`/auth/admin/users/${kept.user.id}`).expect(200)).body;
    const endedSessionId = (await ended.agent.get('/auth/sessions').expect(200)).body.find(
      (s: { current: boolean }) => s.current,
    ).id;
    const endedFamilyId = view.tokenFamilies.find(
      (f: { id: string }) =>
        f.id === JSON.parse(Buffer.from(endedTokens.access_token.split('.')[1], 'base64url').toString()).sid,
    ).id;

    await admin.agent
      .delete(`/auth/admin/users/${kept.user.id}/sessions/${endedSessionId}`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    await admin.agent
      .delete(`/auth/admin/users/${kept.user.id}/token-families/${endedFamilyId}`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    await sleep(1000);

    await ended.agent.get('/examples/profile').expect(401);
    await request(userSide.url).get('/examples/profile').set(bearer(endedTokens.access_token)).expect(401);
    await request(userSide.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: endedTokens.refresh_token })
      .expect(401);
    await kept.agent.get('/examples/profile').expect(200);
    await request(userSide.url).get('/examples/profile').set(bearer(keptTokens.access_token)).expect(200);

    // Again: gone; another user's item, an unknown kind, a malformed id: 404 alike.
    const other = await login(adminSide.url);
    const otherSession = (await other.agent.get('/auth/sessions').expect(200)).body[0].id;
    for (const path of [
      `/auth/admin/users/${kept.user.id}/sessions/${endedSessionId}`,
      `/auth/admin/users/${kept.user.id}/sessions/${otherSession}`,
      `/auth/admin/users/${kept.user.id}/api-keys/${otherSession}`,
      `/auth/admin/users/${kept.user.id}/sessions/not-a-uuid`,
      `/auth/admin/users/no-such-user/sessions/${otherSession}`,
    ])
      await admin.agent.delete(path).set('X-CSRF-Token', admin.csrfToken).expect(404);
    await other.agent.get('/examples/profile').expect(200);

    const audit = await admin.agent.get(`/auth/admin/audit?userId=${kept.user.id}`).expect(200);
    const types = audit.body.map((event: { type: string; actorId: string | null }) => [event.type, event.actorId]);
    assert.ok(types.some(([type, actor]: string[]) => type === 'session.revoked' && actor === admin.user.id));
    assert.ok(types.some(([type, actor]: string[]) => type === 'token_family.revoked' && actor === admin.user.id));
  });
});

describe(`SESSION_MAX_PER_USER (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ SESSION_MAX_PER_USER: '2' });
  });
  after(() => t.close());

  it('ends the least recently used session when a new sign-in goes past the cap', async () => {
    const email = uniqueEmail('capped');
    const oldest = await login(t.url, email);
    const middle = await login(t.url, email, PASSWORD, false);
    await oldest.agent.get('/examples/profile').expect(200);
    await middle.agent.get('/examples/profile').expect(200);
    const newest = await login(t.url, email, PASSWORD, false);
    await oldest.agent.get('/examples/profile').expect(401);
    await middle.agent.get('/examples/profile').expect(200);
    await newest.agent.get('/examples/profile').expect(200);
    assert.equal((await newest.agent.get('/auth/sessions').expect(200)).body.length, 2);
    // Another user's sessions are not counted.
    await login(t.url);
    await middle.agent.get('/examples/profile').expect(200);
  });
});
