import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ChildApp, login, LoggedIn, PASSWORD, productionMode, storageMode, TestApp, uniqueEmail } from './support/app';
import { AdminAndUserSides, startAdminAndUserSides } from './support/admin-and-user-sides';
import { tokensFor } from './support/tokens';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An admin disables a user on one instance; every credential kind of that user fails on the other
 * instance within a second. Embedded mode has one instance, which plays both parts.
 */
describe(`admin disable cuts sessions, access tokens, refresh tokens and API keys within a second (${storageMode}, ${productionMode ? 'two instances' : 'one instance'})`, () => {
  let sides: AdminAndUserSides;
  let userSide: TestApp | ChildApp;

  before(async () => {
    sides = await startAdminAndUserSides('disable');
    ({ userSide } = sides);
  });
  after(() => sides.close());

  it('refuses all four within one second; enabling brings back logins and unrevoked API keys, not the old sessions or tokens', async () => {
    const email = uniqueEmail('victim');
    const session: LoggedIn = await login(userSide.url, email);
    const tokens = await tokensFor(userSide.url, email, false);
    const created = await session.agent
      .post('/auth/api-keys')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ name: 'svc', scopes: ['reports:read'] })
      .expect(201);
    const key: string = created.body.key;

    const bearer = () =>
      request(userSide.url).get('/examples/profile').set('Authorization', `Bearer ${tokens.access_token}`);
    const apiKey = () => request(userSide.url).get('/examples/reports').set('X-API-Key', key);
    await session.agent.get('/examples/profile').expect(200);
    await bearer().expect(200);
    await apiKey().expect(200);

    const { admin } = sides;
    await admin.agent
      .post(`/auth/admin/users/${session.user.id}/disable`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    await sleep(1000);

    await session.agent.get('/examples/profile').expect(401);
    await bearer().expect(401);
    await apiKey().expect(401);
    const refresh = await request(userSide.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: tokens.refresh_token })
      .expect(401);
    assert.equal(refresh.body.error, 'invalid_grant');
    await request(userSide.url).post('/auth/login').send({ email, password: PASSWORD }).expect(401);

    await admin.agent
      .post(`/auth/admin/users/${session.user.id}/enable`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    await request(userSide.url).post('/auth/login').send({ email, password: PASSWORD }).expect(200);
    await bearer().expect(401);
    await session.agent.get('/examples/profile').expect(401);
    // An API key is a standing grant the admin did not revoke: it serves the enabled owner again.
    await apiKey().expect(200);
  });
});
