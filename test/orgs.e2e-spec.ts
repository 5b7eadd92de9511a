import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { InvitationToDeliver, orgs, password, sessions } from '@nest-auth/core';
import { USER_STORE, UserStore } from '../src/auth/core/user-store';
import {
  ChildApp,
  LoggedIn,
  login,
  PASSWORD,
  startApp,
  startAppProcess,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';
import { HostApp, startHostApp } from './support/host';
import { totp } from './support/totp';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MFA_REQUIRED = 'Two-factor authentication required by the organization';
const INVALID_TOKEN = 'Invalid or expired token';

interface Org {
  id: string;
  name: string;
  slug: string;
}

const csrf = (who: LoggedIn) => ({ 'X-CSRF-Token': who.csrfToken });
const slug = () => `org-${Math.random().toString(36).slice(2, 10)}`;

async function createOrg(owner: LoggedIn, body: Record<string, unknown> = {}): Promise<Org> {
  const response = await owner.agent
    .post('/auth/orgs')
    .set(csrf(owner))
    .send({ name: 'Acme', slug: slug(), ...body })
    .expect(201);
  return response.body;
}

async function verify(t: TestApp, userId: string): Promise<void> {
  await t.app.get<symbol, UserStore>(USER_STORE, { strict: false }).setEmailVerified(userId, true);
}

/** The token of the newest invitation mail to `email` in the app's outbox. */
async function invitationToken(t: TestApp, email: string, not?: string): Promise<string> {
  const outbox = join(t.env.DATA_DIR as string, 'outbox');
  const deadline = Date.now() + 5000;
  for (;;) {
    const files = existsSync(outbox) ? readdirSync(outbox).filter((name) => name.includes('-org_invitation-')) : [];
    for (const file of files.sort().reverse()) {
      const mail = await simpleParser(readFileSync(join(outbox, file)));
      const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
      if (to?.value[0]?.address !== email) continue;
      const match = /invitation=([A-Za-z0-9_-]+)/.exec(mail.text ?? '');
      if (match && match[1] !== not) return match[1];
    }
    if (Date.now() > deadline) assert.fail(`no invitation mail to ${email}`);
    await sleep(100);
  }
}

/** Invites `email` as `role`, and the invitee (signed in, verified) accepts. */
async function addMember(t: TestApp, owner: LoggedIn, org: Org, role = 'member'): Promise<LoggedIn> {
  const email = uniqueEmail('member');
  const member = await login(t.url, email);
  await verify(t, member.user.id);
  await owner.agent.post(`/auth/orgs/${org.id}/invitations`).set(csrf(owner)).send({ email, role }).expect(201);
  const token = await invitationToken(t, email);
  const accepted = await member.agent.post('/auth/invitations/accept').set(csrf(member)).send({ token });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  return member;
}

async function waitForStatus(send: () => request.Test, status: number, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const response = await send();
    if (response.status === status) return Date.now() - start;
    if (Date.now() - start > timeoutMs)
      assert.fail(`still ${response.status} after ${timeoutMs} ms, expected ${status}`);
    await sleep(20);
  }
}

async function enrolTotp(who: LoggedIn): Promise<void> {
  const started = await who.agent.post('/auth/mfa/totp').set(csrf(who)).send({ currentPassword: PASSWORD }).expect(201);
  await who.agent
    .post('/auth/mfa/totp/confirm')
    .set(csrf(who))
    .send({ code: totp(started.body.secret) })
    .expect(200);
}

const invoices = (who: LoggedIn, org: Org) => who.agent.get(`/examples/orgs/${org.id}/invoices`);

describe(`organizations (${storageMode})`, () => {
  let t: TestApp;
  let owner: LoggedIn;
  let org: Org;
  before(async () => {
    t = await startApp();
    owner = await login(t.url);
    await verify(t, owner.user.id);
    org = await createOrg(owner);
  });
  after(() => t.close());

  it('creates an organization whose creator is its owner; 400 bad input, 409 slug taken, 401 signed out', async () => {
    const mine = await createOrg(owner, { name: 'Globex' });
    assert.deepEqual(Object.keys(mine).sort(), ['createdAt', 'id', 'name', 'slug']);
    await owner.agent.post('/auth/orgs').set(csrf(owner)).send({ name: 'x', slug: 'Not A Slug' }).expect(400);
    await owner.agent.post('/auth/orgs').set(csrf(owner)).send({ name: '', slug: slug() }).expect(400);
    await owner.agent.post('/auth/orgs').set(csrf(owner)).send({ name: 'Dup', slug: mine.slug }).expect(409);
    await owner.agent.post('/auth/orgs').send({ name: 'x', slug: slug() }).expect(403);
    await request(t.url).post('/auth/orgs').send({ name: 'x', slug: slug() }).expect(401);
    const list = await owner.agent.get('/auth/orgs').expect(200);
    assert.deepEqual(
      list.body.find((o: Org) => o.id === mine.id),
      { id: mine.id, name: 'Globex', slug: mine.slug, role: 'owner' },
    );
    await request(t.url).get('/auth/orgs').expect(401);
  });

  it('shows an organization to its members only: 404 for others, unknown and malformed ids alike', async () => {
    const body = (await owner.agent.get(`/auth/orgs/${org.id}`).expect(200)).body;
    assert.deepEqual(Object.keys(body).sort(), ['createdAt', 'id', 'name', 'requireMfa', 'slug']);
    const stranger = await login(t.url);
    const notFound = await stranger.agent.get(`/auth/orgs/${org.id}`).expect(404);
    await stranger.agent.get('/auth/orgs/00000000-0000-4000-8000-000000000000').expect(404);
    await stranger.agent.get('/auth/orgs/not-an-id').expect(404);
    assert.equal(notFound.body.message, 'Organization not found');
    await stranger.agent.get(`/auth/orgs/${org.id}/members`).expect(404);
    await request(t.url).get(`/auth/orgs/${org.id}`).expect(401);
  });

  it('lets org:update rename and set requireMfa; a plain member gets 403, a stranger 404', async () => {
    const member = await addMember(t, owner, org);
    const stranger = await login(t.url);
    const renamed = await owner.agent
      .patch(`/auth/orgs/${org.id}`)
      .set(csrf(owner))
      .send({ name: 'Acme Inc' })
      .expect(200);
    assert.equal(renamed.body.name, 'Acme Inc');
    await member.agent.patch(`/auth/orgs/${org.id}`).set(csrf(member)).send({ name: 'Mine' }).expect(403);
    await stranger.agent.patch(`/auth/orgs/${org.id}`).set(csrf(stranger)).send({ name: 'Mine' }).expect(404);
    await owner.agent.patch(`/auth/orgs/${org.id}`).set(csrf(owner)).send({ requireMfa: 'yes' }).expect(400);
  });

  it('pages members by cursor; members:read is needed', async () => {
    const team = await createOrg(owner);
    await addMember(t, owner, team);
    await addMember(t, owner, team);
    const first = await owner.agent.get(`/auth/orgs/${team.id}/members?limit=2`).expect(200);
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.nextCursor);
    assert.deepEqual(Object.keys(first.body.items[0]).sort(), ['email', 'joinedAt', 'name', 'role', 'userId']);
    const second = await owner.agent
      .get(`/auth/orgs/${team.id}/members?limit=2&cursor=${first.body.nextCursor}`)
      .expect(200);
    assert.equal(second.body.items.length, 1);
    assert.equal(second.body.nextCursor, null);
    const all = [...first.body.items, ...second.body.items].map((m: { userId: string }) => m.userId);
    assert.equal(new Set(all).size, 3);
    await owner.agent.get(`/auth/orgs/${team.id}/members?cursor=garbage`).expect(400);
    await owner.agent.get(`/auth/orgs/${team.id}/members?limit=1000`).expect(400);
    await owner.agent
      .post(`/auth/orgs/${team.id}/roles`)
      .set(csrf(owner))
      .send({ name: 'viewer', permissions: ['org:read'] })
      .expect(201);
    const viewer = await addMember(t, owner, team, 'viewer');
    await viewer.agent.get(`/auth/orgs/${team.id}/members`).expect(403);
    await viewer.agent.get(`/auth/orgs/${team.id}`).expect(200);
  });

  it('invites by mail; only the invited, verified address accepts, once; 409 already a member', async () => {
    const email = uniqueEmail('invitee');
    const invited = await owner.agent
      .post(`/auth/orgs/${org.id}/invitations`)
      .set(csrf(owner))
      .send({ email: email.toUpperCase(), role: 'member' })
      .expect(201);
    assert.deepEqual(Object.keys(invited.body).sort(), ['email', 'expiresAt', 'id', 'role']);
    assert.equal(invited.body.email, email);
    const days = (Date.parse(invited.body.expiresAt) - Date.now()) / 86_400_000;
    assert.ok(days > 6.99 && days <= 7, `expires in ${days} days`);
    const token = await invitationToken(t, email);
    const listed = await owner.agent.get(`/auth/orgs/${org.id}/invitations`).expect(200);
    assert.ok(listed.body.some((i: { id: string }) => i.id === invited.body.id));
    assert.ok(!JSON.stringify(listed.body).includes(token));

    // Someone else's account, verified, and the invitee before verifying: the same 400, and the token stays usable.
    const other = await login(t.url);
    await verify(t, other.user.id);
    const refused = await other.agent.post('/auth/invitations/accept').set(csrf(other)).send({ token }).expect(400);
    assert.equal(refused.body.message, INVALID_TOKEN);
    const invitee = await login(t.url, email);
    const unverified = await invitee.agent.post('/auth/invitations/accept').set(csrf(invitee)).send({ token });
    assert.equal(unverified.status, 400);
    assert.equal(unverified.body.message, INVALID_TOKEN);
    await verify(t, invitee.user.id);
    const accepted = await invitee.agent
      .post('/auth/invitations/accept')
      .set(csrf(invitee))
      .send({ token })
      .expect(200);
    assert.deepEqual(accepted.body, { orgId: org.id, role: 'member' });
    await invitee.agent.get(`/auth/orgs/${org.id}`).expect(200);
    const replay = await invitee.agent.post('/auth/invitations/accept').set(csrf(invitee)).send({ token }).expect(400);
    assert.equal(replay.body.message, INVALID_TOKEN);
    await invitee.agent
      .post('/auth/invitations/accept')
      .set(csrf(invitee))
      .send({ token: 'x'.repeat(43) })
      .expect(400);
    await request(t.url).post('/auth/invitations/accept').send({ token }).expect(401);

    await owner.agent
      .post(`/auth/orgs/${org.id}/invitations`)
      .set(csrf(owner))
      .send({ email, role: 'member' })
      .expect(409);
    await owner.agent
      .post(`/auth/orgs/${org.id}/invitations`)
      .set(csrf(owner))
      .send({ email: uniqueEmail(), role: 'nosuchrole' })
      .expect(400);
    await owner.agent
      .post(`/auth/orgs/${org.id}/invitations`)
      .set(csrf(owner))
      .send({ email: 'nope', role: 'member' })
      .expect(400);
    await invitee.agent
      .post(`/auth/orgs/${org.id}/invitations`)
      .set(csrf(invitee))
      .send({ email: uniqueEmail(), role: 'member' })
      .expect(403);
  });

  it('refuses an expired invitation, and a withdrawn one', async () => {
    const email = uniqueEmail('late');
    const invitee = await login(t.url, email);
    await verify(t, invitee.user.id);
    const invited = await owner.agent
      .post(`/auth/orgs/${org.id}/invitations`)
      .set(csrf(owner))
      .send({ email, role: 'member' })
      .expect(201);
    const token = await invitationToken(t, email);
    await t.app
      .get(DataSource)
      .createQueryBuilder()
      .update('auth_org_invitations')
      .set({ expiresAt: new Date(Date.now() - 1000) } as never)
      .where('id = :id', { id: invited.body.id })
      .execute();
    const expired = await invitee.agent.post('/auth/invitations/accept').set(csrf(invitee)).send({ token }).expect(400);
    assert.equal(expired.body.message, INVALID_TOKEN);

    const again = await owner.agent
      .post(`/auth/orgs/${org.id}/invitations`)
      .set(csrf(owner))
      .send({ email, role: 'member' })
      .expect(201);
    const second = await invitationToken(t, email, token);
    assert.notEqual(second, token);
    await owner.agent.delete(`/auth/orgs/${org.id}/invitations/${again.body.id}`).set(csrf(owner)).expect(204);
    await owner.agent.delete(`/auth/orgs/${org.id}/invitations/${again.body.id}`).set(csrf(owner)).expect(404);
    await owner.agent.delete(`/auth/orgs/${org.id}/invitations/not-a-uuid`).set(csrf(owner)).expect(404);
    await invitee.agent.post('/auth/invitations/accept').set(csrf(invitee)).send({ token: second }).expect(400);
  });

  it('changes roles within what the caller holds; the last owner is never demoted (409)', async () => {
    const team = await createOrg(owner);
    const admin = await addMember(t, owner, team, 'admin');
    const member = await addMember(t, owner, team);
    const changed = await admin.agent
      .patch(`/auth/orgs/${team.id}/members/${member.user.id}`)
      .set(csrf(admin))
      .send({ role: 'admin' })
      .expect(200);
    assert.equal(changed.body.role, 'admin');
    // An admin neither makes nor unmakes owners.
    await admin.agent
      .patch(`/auth/orgs/${team.id}/members/${member.user.id}`)
      .set(csrf(admin))
      .send({ role: 'owner' })
      .expect(403);
    await admin.agent
      .patch(`/auth/orgs/${team.id}/members/${owner.user.id}`)
      .set(csrf(admin))
      .send({ role: 'member' })
      .expect(403);
    await admin.agent
      .patch(`/auth/orgs/${team.id}/members/${member.user.id}`)
      .set(csrf(admin))
      .send({ role: 'nope' })
      .expect(400);
    await admin.agent.patch(`/auth/orgs/${team.id}/members/${member.user.id}`).set(csrf(admin)).send({}).expect(400);
    await admin.agent
      .patch(`/auth/orgs/${team.id}/members/unknown-user`)
      .set(csrf(admin))
      .send({ role: 'member' })
      .expect(404);
    const last = await owner.agent
      .patch(`/auth/orgs/${team.id}/members/${owner.user.id}`)
      .set(csrf(owner))
      .send({ role: 'admin' })
      .expect(409);
    assert.equal(last.body.statusCode, 409);
    await owner.agent.delete(`/auth/orgs/${team.id}/members/${owner.user.id}`).set(csrf(owner)).expect(409);
    // Ownership moves by promoting another first; then the first owner may step down.
    await owner.agent
      .patch(`/auth/orgs/${team.id}/members/${admin.user.id}`)
      .set(csrf(owner))
      .send({ role: 'owner' })
      .expect(200);
    await owner.agent
      .patch(`/auth/orgs/${team.id}/members/${owner.user.id}`)
      .set(csrf(owner))
      .send({ role: 'admin' })
      .expect(200);
    await admin.agent
      .patch(`/auth/orgs/${team.id}/members/${owner.user.id}`)
      .set(csrf(admin))
      .send({ role: 'owner' })
      .expect(200);
  });

  it('removes members (members:remove) and lets a member leave; others get 403', async () => {
    const team = await createOrg(owner);
    const admin = await addMember(t, owner, team, 'admin');
    const a = await addMember(t, owner, team);
    const b = await addMember(t, owner, team);
    await a.agent.delete(`/auth/orgs/${team.id}/members/${b.user.id}`).set(csrf(a)).expect(403);
    await admin.agent.delete(`/auth/orgs/${team.id}/members/${owner.user.id}`).set(csrf(admin)).expect(403);
    await a.agent.delete(`/auth/orgs/${team.id}/members/${a.user.id}`).set(csrf(a)).expect(204);
    await a.agent.get(`/auth/orgs/${team.id}`).expect(404);
    await admin.agent.delete(`/auth/orgs/${team.id}/members/${b.user.id}`).set(csrf(admin)).expect(204);
    await b.agent.get(`/auth/orgs/${team.id}`).expect(404);
    await admin.agent.delete(`/auth/orgs/${team.id}/members/${b.user.id}`).set(csrf(admin)).expect(404);
  });

  it('keeps custom roles: create, list, change, delete; 409 in use, 403 beyond the caller, built-ins fixed', async () => {
    const team = await createOrg(owner);
    const admin = await addMember(t, owner, team, 'admin');
    const created = await admin.agent
      .post(`/auth/orgs/${team.id}/roles`)
      .set(csrf(admin))
      .send({ name: 'billing', permissions: ['invoices:read', 'org:read'] })
      .expect(201);
    assert.deepEqual(created.body, { name: 'billing', permissions: ['invoices:read', 'org:read'], builtIn: false });
    await admin.agent
      .post(`/auth/orgs/${team.id}/roles`)
      .set(csrf(admin))
      .send({ name: 'billing', permissions: [] })
      .expect(409);
    await admin.agent
      .post(`/auth/orgs/${team.id}/roles`)
      .set(csrf(admin))
      .send({ name: 'owner', permissions: [] })
      .expect(409);
    await admin.agent
      .post(`/auth/orgs/${team.id}/roles`)
      .set(csrf(admin))
      .send({ name: 'Bad Name', permissions: [] })
      .expect(400);
    await admin.agent
      .post(`/auth/orgs/${team.id}/roles`)
      .set(csrf(admin))
      .send({ name: 'x', permissions: ['no spaces'] })
      .expect(400);
    // An admin cannot mint a role that may delete the organization or manage owners.
    await admin.agent
      .post(`/auth/orgs/${team.id}/roles`)
      .set(csrf(admin))
      .send({ name: 'god', permissions: ['*'] })
      .expect(403);
    await admin.agent
      .post(`/auth/orgs/${team.id}/roles`)
      .set(csrf(admin))
      .send({ name: 'deleter', permissions: ['org:delete'] })
      .expect(403);
    const billing = await addMember(t, owner, team, 'billing');
    await invoices(billing, team).expect(200);
    await billing.agent.post(`/examples/orgs/${team.id}/invoices`).set(csrf(billing)).expect(403);
    const roles = await billing.agent.get(`/auth/orgs/${team.id}/roles`).expect(200);
    assert.deepEqual(
      roles.body.map((r: { name: string }) => r.name),
      ['owner', 'admin', 'member', 'billing'],
    );
    await billing.agent
      .post(`/auth/orgs/${team.id}/roles`)
      .set(csrf(billing))
      .send({ name: 'z', permissions: [] })
      .expect(403);
    await admin.agent
      .patch(`/auth/orgs/${team.id}/roles/billing`)
      .set(csrf(admin))
      .send({ permissions: ['invoices:read', 'invoices:write', 'org:read'] })
      .expect(200);
    await billing.agent.post(`/examples/orgs/${team.id}/invoices`).set(csrf(billing)).expect(200);
    await admin.agent.patch(`/auth/orgs/${team.id}/roles/admin`).set(csrf(admin)).send({ permissions: [] }).expect(403);
    await admin.agent
      .patch(`/auth/orgs/${team.id}/roles/nosuch`)
      .set(csrf(admin))
      .send({ permissions: [] })
      .expect(404);
    await admin.agent.delete(`/auth/orgs/${team.id}/roles/billing`).set(csrf(admin)).expect(409);
    await admin.agent
      .patch(`/auth/orgs/${team.id}/members/${billing.user.id}`)
      .set(csrf(admin))
      .send({ role: 'member' })
      .expect(200);
    await admin.agent.delete(`/auth/orgs/${team.id}/roles/billing`).set(csrf(admin)).expect(204);
    await admin.agent.delete(`/auth/orgs/${team.id}/roles/billing`).set(csrf(admin)).expect(404);
  });

  it('decides each request by the organization it names: one session in two organizations, in parallel, never mixes', async () => {
    const a = await createOrg(owner);
    const other = await login(t.url);
    await verify(t, other.user.id);
    const b = await createOrg(other);
    const email = owner.user.email;
    await other.agent
      .post(`/auth/orgs/${b.id}/invitations`)
      .set(csrf(other))
      .send({ email, role: 'member' })
      .expect(201);
    await owner.agent
      .post('/auth/invitations/accept')
      .set(csrf(owner))
      .send({ token: await invitationToken(t, email) })
      .expect(200);
    for (let round = 0; round < 5; round++) {
      const [inA, inB, writeA, writeB] = await Promise.all([
        invoices(owner, a),
        invoices(owner, b),
        owner.agent.post(`/examples/orgs/${a.id}/invoices`).set(csrf(owner)),
        owner.agent.post(`/examples/orgs/${b.id}/invoices`).set(csrf(owner)),
      ]);
      assert.equal(inA.status, 200);
      assert.equal(inA.body.org.id, a.id);
      assert.equal(inA.body.org.role, 'owner');
      // `member` holds neither invoices:read nor invoices:write.
      assert.equal(inB.status, 403);
      assert.equal(writeA.status, 200);
      assert.equal(writeA.body.org.id, a.id);
      assert.equal(writeB.status, 403);
    }
    const me = await owner.agent.get('/auth/me').expect(200);
    assert.equal(me.body.org, undefined);
  });

  it('requireMfa: members without a second factor get 403 with the exact message until they enrol', async () => {
    const boss = await login(t.url);
    await verify(t, boss.user.id);
    const team = await createOrg(boss);
    const member = await addMember(t, boss, team, 'admin');
    await invoices(member, team).expect(200);
    // Requiring what the caller lacks would lock the caller out: enrol first.
    const lacking = await boss.agent
      .patch(`/auth/orgs/${team.id}`)
      .set(csrf(boss))
      .send({ requireMfa: true })
      .expect(400);
    assert.equal(lacking.body.message, 'Enrol a second factor before requiring one');
    await enrolTotp(boss);
    await boss.agent.patch(`/auth/orgs/${team.id}`).set(csrf(boss)).send({ requireMfa: true }).expect(200);
    const refused = await invoices(member, team).expect(403);
    assert.equal(refused.body.message, MFA_REQUIRED);
    await member.agent.get(`/auth/orgs/${team.id}`).expect(403);
    await invoices(boss, team).expect(200);
    await enrolTotp(member);
    await invoices(member, team).expect(200);
    // A stranger still learns nothing: 404 before any question of factors.
    const stranger = await login(t.url);
    await invoices(stranger, team).expect(404);
  });

  it('org keys: need a fresh authentication and api-keys:manage, act in their organization only, survive the creator leaving', async () => {
    const team = await createOrg(owner);
    const admin = await addMember(t, owner, team, 'admin');
    const member = await addMember(t, owner, team);
    const created = await admin.agent
      .post(`/auth/orgs/${team.id}/api-keys`)
      .set(csrf(admin))
      .send({ name: 'sync', scopes: ['invoices:read'] })
      .expect(201);
    assert.deepEqual(Object.keys(created.body).sort(), [
      'createdAt',
      'expiresAt',
      'id',
      'key',
      'name',
      'prefix',
      'scopes',
    ]);
    const key = created.body.key as string;
    await member.agent
      .post(`/auth/orgs/${team.id}/api-keys`)
      .set(csrf(member))
      .send({ name: 'x', scopes: ['invoices:read'] })
      .expect(403);
    await admin.agent
      .post(`/auth/orgs/${team.id}/api-keys`)
      .set(csrf(admin))
      .send({ name: 'too much', scopes: ['org:delete'] })
      .expect(403);
    await admin.agent.post(`/auth/orgs/${team.id}/api-keys`).set(csrf(admin)).send({ name: 'x' }).expect(400);
    const read = await request(t.url).get(`/examples/orgs/${team.id}/invoices`).set('X-API-Key', key).expect(200);
    assert.deepEqual(read.body.org, { id: team.id, role: 'api-key', permissions: ['invoices:read'] });
    assert.equal(read.body.via, 'apiKey');
    await request(t.url).post(`/examples/orgs/${team.id}/invoices`).set('X-API-Key', key).expect(403);
    await request(t.url).get(`/examples/orgs/${org.id}/invoices`).set('X-API-Key', key).expect(404);
    // The key is the organization's: not listed among its creator's own, and it keeps working once the creator leaves.
    const own = await admin.agent.get('/auth/api-keys').expect(200);
    assert.ok(!own.body.some((k: { id: string }) => k.id === created.body.id));
    await admin.agent.delete(`/auth/orgs/${team.id}/members/${admin.user.id}`).set(csrf(admin)).expect(204);
    await request(t.url).get(`/examples/orgs/${team.id}/invoices`).set('X-API-Key', key).expect(200);
    const listed = await owner.agent.get(`/auth/orgs/${team.id}/api-keys`).expect(200);
    assert.deepEqual(
      listed.body.map((k: { id: string }) => k.id),
      [created.body.id],
    );
    assert.ok(!JSON.stringify(listed.body).includes(key));
    await member.agent.get(`/auth/orgs/${team.id}/api-keys`).expect(403);
    await owner.agent.delete(`/auth/orgs/${team.id}/api-keys/${created.body.id}`).set(csrf(owner)).expect(204);
    await waitForStatus(
      () => request(t.url).get(`/examples/orgs/${team.id}/invoices`).set('X-API-Key', key),
      401,
      1000,
    );
    // Revoking again is harmless, as for personal keys; a key of another organization is not found.
    await owner.agent.delete(`/auth/orgs/${team.id}/api-keys/${created.body.id}`).set(csrf(owner)).expect(204);
    await owner.agent.delete(`/auth/orgs/${org.id}/api-keys/${created.body.id}`).set(csrf(owner)).expect(404);
  });

  it('a personal key of a member acts with what both its scopes and the role grant', async () => {
    const personal = await owner.agent
      .post('/auth/api-keys')
      .set(csrf(owner))
      .send({ name: 'mine', scopes: ['invoices:read'] })
      .expect(201);
    await request(t.url).get(`/examples/orgs/${org.id}/invoices`).set('X-API-Key', personal.body.key).expect(200);
    await request(t.url).post(`/examples/orgs/${org.id}/invoices`).set('X-API-Key', personal.body.key).expect(403);
  });

  it('lists the organization’s audit events, each with its id (audit:read)', async () => {
    const team = await createOrg(owner);
    const member = await addMember(t, owner, team);
    await owner.agent.patch(`/auth/orgs/${team.id}`).set(csrf(owner)).send({ name: 'Audited' }).expect(200);
    const page = await owner.agent.get(`/auth/orgs/${team.id}/audit?limit=2`).expect(200);
    assert.equal(page.body.items.length, 2);
    assert.equal(page.body.items[0].type, 'org.updated');
    assert.ok(page.body.items.every((e: { detail: { orgId: string } }) => e.detail.orgId === team.id));
    const rest = await owner.agent.get(`/auth/orgs/${team.id}/audit?cursor=${page.body.nextCursor}`).expect(200);
    const types = [...page.body.items, ...rest.body.items].map((e: { type: string }) => e.type);
    assert.ok(
      types.includes('org.created') && types.includes('org.member_added') && types.includes('org.invitation_created'),
    );
    const created = await owner.agent.get(`/auth/orgs/${team.id}/audit?type=org.created`).expect(200);
    assert.deepEqual(
      created.body.items.map((e: { type: string }) => e.type),
      ['org.created'],
    );
    await owner.agent.get(`/auth/orgs/${team.id}/audit?type=nope`).expect(400);
    await owner.agent.get(`/auth/orgs/${team.id}/audit?cursor=bad`).expect(400);
    await member.agent.get(`/auth/orgs/${team.id}/audit`).expect(403);
    // Another organization's trail holds none of these.
    const theirs = await owner.agent.get(`/auth/orgs/${org.id}/audit?limit=100`).expect(200);
    assert.ok(theirs.body.items.every((e: { detail: { orgId: string } }) => e.detail.orgId === org.id));
  });

  it('deletes an organization (owner, fresh): its members and keys lose access at once', async () => {
    const team = await createOrg(owner);
    const admin = await addMember(t, owner, team, 'admin');
    const key = (
      await owner.agent
        .post(`/auth/orgs/${team.id}/api-keys`)
        .set(csrf(owner))
        .send({ name: 'k', scopes: ['invoices:read'] })
    ).body.key as string;
    await request(t.url).get(`/examples/orgs/${team.id}/invoices`).set('X-API-Key', key).expect(200);
    await invoices(admin, team).expect(200);
    await admin.agent.delete(`/auth/orgs/${team.id}`).set(csrf(admin)).expect(403);
    await owner.agent.delete(`/auth/orgs/${team.id}`).set(csrf(owner)).expect(204);
    await invoices(admin, team).expect(404);
    await owner.agent.get(`/auth/orgs/${team.id}`).expect(404);
    await waitForStatus(
      () => request(t.url).get(`/examples/orgs/${team.id}/invoices`).set('X-API-Key', key),
      401,
      1000,
    );
    await owner.agent.delete(`/auth/orgs/${team.id}`).set(csrf(owner)).expect(404);
  });
});

describe(`organizations across instances (${storageMode})`, () => {
  let a: TestApp;
  let b: ChildApp;
  before(async () => {
    a = await startApp();
    // The same database and bus: in embedded mode the same SQLite file (and its revocation log), in production PostgreSQL and Redis.
    b = await startAppProcess({
      DATA_DIR: a.env.DATA_DIR,
      REDIS_KEY_PREFIX: a.env.REDIS_KEY_PREFIX,
      SESSION_SECRET: a.env.SESSION_SECRET,
    });
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  const onB = (who: LoggedIn, org: Org, method: 'get' | 'post' = 'get') => {
    const call = request(b.url)[method](`/examples/orgs/${org.id}/invoices`).set('Cookie', who.cookie);
    return method === 'post' ? call.set(csrf(who)) : call;
  };

  it('a removal on one instance ends access on the other within one second', async () => {
    const owner = await login(a.url);
    await verify(a, owner.user.id);
    const org = await createOrg(owner);
    const member = await addMember(a, owner, org, 'admin');
    await onB(member, org).expect(200);
    await onB(member, org).expect(200);
    const removedAt = Date.now();
    await owner.agent.delete(`/auth/orgs/${org.id}/members/${member.user.id}`).set(csrf(owner)).expect(204);
    await waitForStatus(() => onB(member, org), 404, 1000);
    assert.ok(Date.now() - removedAt < 1000, `${Date.now() - removedAt} ms`);
  });

  it('a role change on one instance holds on the other within one second', async () => {
    const owner = await login(a.url);
    await verify(a, owner.user.id);
    const org = await createOrg(owner);
    const member = await addMember(a, owner, org, 'admin');
    await onB(member, org, 'post').expect(200);
    await onB(member, org, 'post').expect(200);
    const changedAt = Date.now();
    await owner.agent
      .patch(`/auth/orgs/${org.id}/members/${member.user.id}`)
      .set(csrf(owner))
      .send({ role: 'member' })
      .expect(200);
    await waitForStatus(() => onB(member, org, 'post'), 403, 1000);
    assert.ok(Date.now() - changedAt < 1000, `${Date.now() - changedAt} ms`);
  });
});

describe(`organizations in a host app without the email feature (${storageMode})`, () => {
  let host: HostApp;
  const delivered: InvitationToDeliver[] = [];
  before(async () => {
    host = await startHostApp({
      features: [sessions, password, orgs],
      options: {
        orgs: {
          invitationsPerHour: 2,
          invitationUrl: 'https://app.example.com/join?token={token}',
          deliverInvitation: async (invitation) => void delivered.push(invitation),
        },
      },
    });
  });
  after(() => host?.close());

  it('hands invitations to the host’s own delivery, and limits them per organization per hour (429)', async () => {
    const owner = await login(host.url);
    const org = await createOrg(owner);
    const email = uniqueEmail('hosted');
    await owner.agent
      .post(`/auth/orgs/${org.id}/invitations`)
      .set(csrf(owner))
      .send({ email, role: 'member' })
      .expect(201);
    const [invitation] = delivered;
    assert.equal(invitation.email, email);
    assert.equal(invitation.orgId, org.id);
    assert.match(invitation.link, /^https:\/\/app\.example\.com\/join\?token=[A-Za-z0-9_-]{43}$/);
    await owner.agent
      .post(`/auth/orgs/${org.id}/invitations`)
      .set(csrf(owner))
      .send({ email: uniqueEmail(), role: 'member' })
      .expect(201);
    const limited = await owner.agent
      .post(`/auth/orgs/${org.id}/invitations`)
      .set(csrf(owner))
      .send({ email: uniqueEmail(), role: 'member' })
      .expect(429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal(delivered.length, 2);
  });
});
