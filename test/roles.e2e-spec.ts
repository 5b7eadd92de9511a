import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ChildApp, login, LoggedIn, PASSWORD, storageMode, TestApp, uniqueEmail } from './support/app';
import { AdminAndUserSides, startAdminAndUserSides } from './support/admin-and-user-sides';
import { tokensFor } from './support/tokens';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** An admin sets a user's roles (freshly authenticated); sessions and tokens on another instance follow within a second. */
describe(`admin sets roles, effective on every instance within one second (${storageMode})`, () => {
  let sides: AdminAndUserSides;
  let adminSide: TestApp;
  let userSide: TestApp | ChildApp;
  let admin: LoggedIn;

  before(async () => {
    sides = await startAdminAndUserSides('roles', { REAUTH_MAX_AGE_SECONDS: '3' });
    ({ adminSide, userSide, admin } = sides);
  });
  after(() => sides.close());

  const patch = (id: string, body: unknown) =>
    admin.agent
      .patch(`/auth/admin/users/${id}`)
      .set('X-CSRF-Token', admin.csrfToken)
      .send(body as object);
  const reauthenticate = () =>
    admin.agent
      .post('/auth/reauthenticate')
      .set('X-CSRF-Token', admin.csrfToken)
      .send({ password: PASSWORD })
      .expect(204);

  it('grants and takes back a role: the session and the signed-in apps of the user follow within a second', async () => {
    const email = uniqueEmail('promoted');
    const session = await login(userSide.url, email);
    const tokens = await tokensFor(userSide.url, email, false);
    await session.agent.get('/examples/admin').expect(403);
    await request(userSide.url).get('/examples/admin').set(bearer(tokens.access_token)).expect(403);

    await reauthenticate();
    const granted = await patch(session.user.id, { roles: ['user', 'admin'] }).expect(200);
    assert.deepEqual(granted.body.roles, ['user', 'admin']);
    assert.equal(granted.body.email, email);
    await sleep(1000);

    await session.agent.get('/examples/admin').expect(200);
    // The access token holds the old roles, signed: it is refused, and a refresh gives the new ones.
    await request(userSide.url).get('/examples/admin').set(bearer(tokens.access_token)).expect(401);
    const refreshed = await request(userSide.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: tokens.refresh_token })
      .expect(200);
    await request(userSide.url).get('/examples/admin').set(bearer(refreshed.body.access_token)).expect(200);
    assert.deepEqual((await session.agent.get('/auth/me').expect(200)).body.user.roles, ['user', 'admin']);

    await reauthenticate();
    await patch(session.user.id, { roles: ['user'] }).expect(200);
    await sleep(1000);
    await session.agent.get('/examples/admin').expect(403);
    await request(userSide.url).get('/examples/admin').set(bearer(refreshed.body.access_token)).expect(401);

    const audit = await admin.agent.get(`/auth/admin/audit?userId=${session.user.id}&type=user.roles_changed`);
    assert.equal(audit.body.length, 2);
    assert.equal(audit.body[0].actorId, admin.user.id);
    assert.equal(audit.body[0].detail.roles, 'user');
  });

  it('needs a fresh authentication, an admin, valid roles and a known user', async () => {
    const user = await login(adminSide.url);
    // Freshness counts whole seconds: only max age + 1 s after the proof is it stale whatever the proof's fraction.
    await sleep(5000);
    const stale = await patch(user.user.id, { roles: ['admin'] }).expect(401);
    assert.equal(stale.body.message, 'Reauthentication required');
    await reauthenticate();
    for (const body of [
      { roles: 'admin' },
      { roles: [''] },
      { roles: ['a b'] },
      { roles: [1] },
      { roles: Array.from({ length: 33 }, (_, i) => `r${i}`) },
      { roles: ['x'.repeat(65)] },
      { roles: ['user'], disabled: true },
    ])
      await patch(user.user.id, body).expect(400);
    await patch('00000000-0000-4000-8000-000000000000', { roles: ['user'] }).expect(404);
    await user.agent
      .patch(`/auth/admin/users/${user.user.id}`)
      .set('X-CSRF-Token', user.csrfToken)
      .send({ roles: ['admin'] })
      .expect(403);
    await user.agent.get('/examples/admin').expect(403);
    assert.deepEqual((await admin.agent.get(`/auth/admin/users/${user.user.id}`).expect(200)).body.roles, ['user']);
  });
});
