import { Controller, Get } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  AccountsService,
  apiKeys,
  Auth,
  AuthPrincipal,
  CurrentPrincipal,
  jwt,
  password,
  sessions,
} from '@nest-auth/core';
import { login, PASSWORD, storageMode, uniqueEmail } from './support/app';
import { HostApp, startHostApp } from './support/host';
import { CreateMembers1700000000000, GatedMemberStore, loginGate, Member } from './support/members';

@Controller('reports')
class ReportsController {
  @Auth('session', 'jwt', 'apiKey')
  @Get()
  list(@CurrentPrincipal() principal: AuthPrincipal) {
    return { userId: principal.user.id, via: principal.via };
  }
}

/** Sessions, JWT and API keys against a host's own users table, through the users port. */
describe(`a host app with its own users table (${storageMode})`, () => {
  let host: HostApp;
  before(async () => {
    host = await startHostApp({
      features: [sessions, jwt, apiKeys, password],
      controllers: [ReportsController],
      entities: [Member],
      migrations: [CreateMembers1700000000000],
      builtInUsers: false,
      extras: { users: { useClass: GatedMemberStore, imports: [TypeOrmModule.forFeature([Member])] } },
    });
  });
  after(() => host.close());

  const members = () => host.app.get(DataSource).getRepository(Member);

  it('has no auth_users table; registration writes a member with an integer id', async () => {
    const tables = (await host.app.get(DataSource).createQueryRunner().getTables()).map((table) =>
      table.name.replace(/^public\./, ''),
    );
    assert.ok(tables.includes('members') && tables.includes('auth_api_keys'));
    assert.ok(!tables.includes('auth_users'));
    const email = uniqueEmail();
    const registered = await request(host.url)
      .post('/auth/register')
      .send({ email, password: PASSWORD, name: 'Ada' })
      .expect(201);
    assert.match(registered.body.id, /^[1-9]\d*$/);
    assert.deepEqual(registered.body, {
      id: registered.body.id,
      email,
      name: 'Ada',
      roles: ['user'],
      emailVerified: false,
    });
    const stored = await members().findOneBy({ memberNo: Number(registered.body.id) });
    assert.equal(stored?.mail, email);
    assert.equal(stored?.displayName, 'Ada');
    assert.match(stored?.secretHash ?? '', /^\$argon2id\$/);
  });

  it('signs in with a session, a token pair and an API key, each principal carrying the member id', async () => {
    const session = await login(host.url);
    await session.agent.get('/reports').expect(200, { userId: session.user.id, via: 'session' });
    const token = (
      await request(host.url).post('/auth/token').send({ email: session.user.email, password: PASSWORD }).expect(200)
    ).body;
    await request(host.url)
      .get('/reports')
      .set('Authorization', `Bearer ${token.access_token}`)
      .expect(200, { userId: session.user.id, via: 'jwt' });
    const refreshed = await request(host.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: token.refresh_token })
      .expect(200);
    assert.ok(refreshed.body.access_token);
    const key = (
      await session.agent.post('/auth/api-keys').set('X-CSRF-Token', session.csrfToken).send({ name: 'k' }).expect(201)
    ).body.key;
    await request(host.url)
      .get('/reports')
      .set('X-API-Key', key)
      .expect(200, { userId: session.user.id, via: 'apiKey' });
    await request(host.url).get('/auth/me').set('X-API-Key', key).expect(200);
  });

  it('signs in a member whose row holds a bcrypt hash (the NestJS docs’ recipe), and the store’s setPasswordHash makes it argon2id', async () => {
    const email = uniqueEmail('bcrypt');
    // htpasswd -B of PASSWORD; this store has no replacePasswordHash, so the module reads the hash again before writing.
    const bcrypt = '$2y$05$1HmzVgicLNAWva7EnOWihOjYINzXmtZy7AoyvZ.zaHq7UhORlV8Dy';
    await members().insert({
      mail: email,
      displayName: null,
      secretHash: bcrypt,
      role: 'member',
      blocked: false,
      mailConfirmed: false,
    });
    await request(host.url).post('/auth/login').send({ email, password: 'not the password' }).expect(401);
    assert.equal((await members().findOneBy({ mail: email }))?.secretHash, bcrypt);
    const token = (await request(host.url).post('/auth/token').send({ email, password: PASSWORD }).expect(200)).body;
    await request(host.url).get('/reports').set('Authorization', `Bearer ${token.access_token}`).expect(200);
    assert.match((await members().findOneBy({ mail: email }))?.secretHash ?? '', /^\$argon2id\$/);
    await login(host.url, email, PASSWORD, false);
  });

  it('ends everything of a member the host disables through AccountsService, and lets them back in when enabled', async () => {
    const session = await login(host.url);
    const token = (
      await request(host.url).post('/auth/token').send({ email: session.user.email, password: PASSWORD }).expect(200)
    ).body;
    const key = (
      await session.agent.post('/auth/api-keys').set('X-CSRF-Token', session.csrfToken).send({ name: 'k' }).expect(201)
    ).body.key;
    await request(host.url).get('/reports').set('X-API-Key', key).expect(200);

    await host.app.get(AccountsService, { strict: false }).disable(session.user.id);
    assert.equal((await members().findOneBy({ memberNo: Number(session.user.id) }))?.blocked, true);
    await session.agent.get('/reports').expect(401);
    await request(host.url).get('/reports').set('Authorization', `Bearer ${token.access_token}`).expect(401);
    await request(host.url).get('/reports').set('X-API-Key', key).expect(401);
    await request(host.url).post('/auth/token/refresh').send({ refresh_token: token.refresh_token }).expect(401);
    await request(host.url).post('/auth/login').send({ email: session.user.email, password: PASSWORD }).expect(401);

    await host.app.get(AccountsService, { strict: false }).enable(session.user.id);
    await request(host.url).post('/auth/login').send({ email: session.user.email, password: PASSWORD }).expect(200);
    await request(host.url).get('/reports').set('X-API-Key', key).expect(200);
  });

  it('changes a member’s password through the port, ending their other sessions', async () => {
    const first = await login(host.url);
    const second = await login(host.url, first.user.email, PASSWORD, false);
    const changed = await first.agent
      .post('/auth/password')
      .set('X-CSRF-Token', first.csrfToken)
      .send({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })
      .expect(204);
    await first.agent.get('/reports').expect(200);
    await second.agent.get('/reports').expect(401);
    assert.ok(changed.headers['x-csrf-token']);
    await request(host.url)
      .post('/auth/login')
      .send({ email: first.user.email, password: 'a brand new passphrase' })
      .expect(200);
  });

  it('answers 404, not 500, for user ids the host table cannot hold', async () => {
    const admin = await host.app
      .get(AccountsService, { strict: false })
      .register({ email: uniqueEmail('admin'), password: PASSWORD, roles: ['admin'] });
    const session = await login(host.url, admin.email, PASSWORD, false);
    for (const id of ['abc', '0', '99999999999', '2147483648', '12ab']) {
      await session.agent.post(`/auth/admin/users/${id}/disable`).set('X-CSRF-Token', session.csrfToken).expect(404);
    }
    // The audit log names members by email through the store's findByIds, integer ids and all.
    const events = (await session.agent.get(`/auth/admin/audit?userId=${admin.id}&limit=5`).expect(200)).body;
    assert.ok(events.length > 0);
    for (const event of events) assert.equal(event.userEmail, admin.email);
  });

  /** A login held just after it read the user, while the user is changed: it must not issue anything on the old state. */
  async function loginHeldDuring(email: string, change: () => Promise<unknown>, path = '/auth/login') {
    const held = loginGate.armed();
    const answer = request(host.url)
      .post(path)
      .send({ email, password: PASSWORD })
      .then((response) => response);
    const release = await held;
    await change();
    release();
    return answer;
  }

  it('refuses a login that read the user just before an admin disabled them', async () => {
    const session = await login(host.url);
    const accounts = host.app.get(AccountsService, { strict: false });
    assert.equal((await loginHeldDuring(session.user.email, () => accounts.disable(session.user.id))).status, 401);
    assert.equal((await loginHeldDuring(session.user.email, () => accounts.enable(session.user.id))).status, 200);
    await accounts.disable(session.user.id);
    assert.equal(
      (await loginHeldDuring(session.user.email, () => accounts.disable(session.user.id), '/auth/token')).status,
      401,
    );
  });

  it('refuses a login with the old password that read the user just before the password changed', async () => {
    const session = await login(host.url);
    const change = () =>
      session.agent
        .post('/auth/password')
        .set('X-CSRF-Token', session.csrfToken)
        .send({ currentPassword: PASSWORD, newPassword: 'the passphrase after' })
        .expect(204);
    assert.equal((await loginHeldDuring(session.user.email, change)).status, 401);
  });
});
