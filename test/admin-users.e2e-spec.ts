import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { login, LoggedIn, PASSWORD, register, startApp, storageMode, TestApp, uniqueEmail } from './support/app';

interface ListedUser {
  id: string;
  email: string;
  name: string | null;
  roles: string[];
  emailVerified: boolean;
  disabled: boolean;
  disabledAt: string | null;
  createdAt: string;
}
interface Page {
  items: ListedUser[];
  nextCursor: string | null;
}

describe(`admin user search and "end all credentials" (${storageMode})`, () => {
  let t: TestApp;
  let admin: LoggedIn;
  const adminEmail = uniqueEmail('admin');
  const tag = randomUUID().slice(0, 8);
  const tagged: Array<{ id: string; email: string }> = [];

  before(async () => {
    t = await startApp({ AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail, AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
    admin = await login(t.url, adminEmail, PASSWORD, false);
    // One after the other, so that creation order is known; the keyset order is (createdAt, id), newest first.
    for (let i = 0; i < 5; i++) tagged.push(await register(t.url, `p${i}-${tag}@example.com`));
  });
  after(() => t.close());

  const search = async (query: string): Promise<Page> =>
    (await admin.agent.get(`/auth/admin/users?${query}`).expect(200)).body;

  it('finds users by a part of their email, case-insensitively, newest first, and shows no secret', async () => {
    const page = await search(`query=${tag.toUpperCase()}`);
    assert.deepEqual(
      page.items.map((user) => user.email),
      [...tagged].reverse().map((user) => user.email),
    );
    assert.equal(page.nextCursor, null);
    const [newest] = page.items;
    assert.deepEqual(Object.keys(newest).sort(), [
      'createdAt',
      'disabled',
      'disabledAt',
      'email',
      'emailVerified',
      'id',
      'name',
      'roles',
    ]);
    assert.equal(newest.disabledAt, null);
    assert.ok(!Number.isNaN(Date.parse(newest.createdAt)));
    assert.deepEqual(
      (await search(`query=p3-${tag}`)).items.map((user) => user.id),
      [tagged[3].id],
    );
    assert.deepEqual(
      (await search(`query=${encodeURIComponent(`p3-${tag}@EXAMPLE.com`)}`)).items.map((user) => user.id),
      [tagged[3].id],
    );
  });

  it('treats % and _ in the query as themselves, not as wildcards', async () => {
    assert.deepEqual((await search(`query=${encodeURIComponent(`p_-${tag}`)}`)).items, []);
    assert.deepEqual((await search(`query=${encodeURIComponent(`p%${tag}`)}`)).items, []);
    const odd = await register(t.url, `under_score%${tag}@example.com`);
    assert.deepEqual(
      (await search(`query=${encodeURIComponent(`_score%${tag}`)}`)).items.map((user) => user.id),
      [odd.id],
    );
  });

  it('pages with a cursor: every user once, in order, also when users are created between pages', async () => {
    const first = await search(`query=${tag}&limit=2`);
    assert.equal(first.items.length, 2);
    assert.ok(first.nextCursor);
    await register(t.url, `p9-${tag}@example.com`);
    const seen = [...first.items];
    let cursor: string | null = first.nextCursor;
    while (cursor) {
      const page = await search(`query=${tag}&limit=2&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...page.items);
      cursor = page.nextCursor;
    }
    const expected = [...tagged].reverse().map((user) => user.id);
    assert.deepEqual(
      seen.map((user) => user.id).filter((id) => expected.includes(id)),
      expected,
    );
    assert.equal(new Set(seen.map((user) => user.id)).size, seen.length);
  });

  it('lists everyone without a query, and caps the page size', async () => {
    const page = await search('limit=100');
    assert.ok(page.items.some((user) => user.email === adminEmail));
    await admin.agent.get('/auth/admin/users?limit=101').expect(400);
    await admin.agent.get('/auth/admin/users?limit=0').expect(400);
    await admin.agent.get(`/auth/admin/users?query=${'a'.repeat(255)}`).expect(400);
  });

  it('refuses a cursor it did not make with 400', async () => {
    for (const cursor of [
      'x',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from(`["2020-01-01T00:00:00.000Z","1"]`).toString('base64url'),
    ]) {
      const response = await admin.agent.get(`/auth/admin/users?cursor=${encodeURIComponent(cursor)}`).expect(400);
      assert.equal(response.body.message, 'Invalid cursor');
    }
  });

  it('shows disabled users as disabled', async () => {
    const victim = tagged[1];
    await admin.agent.post(`/auth/admin/users/${victim.id}/disable`).set('X-CSRF-Token', admin.csrfToken).expect(204);
    const [listed] = (await search(`query=p1-${tag}`)).items;
    assert.equal(listed.disabled, true);
    assert.ok(listed.disabledAt && !Number.isNaN(Date.parse(listed.disabledAt)));
    await admin.agent.post(`/auth/admin/users/${victim.id}/enable`).set('X-CSRF-Token', admin.csrfToken).expect(204);
    assert.equal((await search(`query=p1-${tag}`)).items[0].disabledAt, null);
  });

  it('is for admins only', async () => {
    const user = await login(t.url);
    await user.agent.get('/auth/admin/users').expect(403);
    await request(t.url).get('/auth/admin/users').expect(401);
    await user.agent
      .post(`/auth/admin/users/${user.user.id}/logout-all`)
      .set('X-CSRF-Token', user.csrfToken)
      .expect(403);
    await admin.agent.post(`/auth/admin/users/${user.user.id}/logout-all`).expect(403);
  });

  it('ends every session and token of a user on an admin\u2019s word, leaves their API keys, and audits who did it', async () => {
    const email = uniqueEmail('ended');
    const user = await login(t.url, email);
    const other = await login(t.url, email, PASSWORD, false);
    const tokens = (await request(t.url).post('/auth/token').send({ email, password: PASSWORD }).expect(200)).body;
    const key = (
      await user.agent
        .post('/auth/api-keys')
        .set('X-CSRF-Token', user.csrfToken)
        .send({ name: 'k', scopes: ['reports:read'] })
        .expect(201)
    ).body.key as string;

    await admin.agent
      .post(`/auth/admin/users/${user.user.id}/logout-all`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    await user.agent.get('/auth/me').expect(401);
    await other.agent.get('/auth/me').expect(401);
    await request(t.url).get('/auth/me').set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    await request(t.url).post('/auth/token/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
    await request(t.url).get('/examples/reports').set('X-API-Key', key).expect(200);
    await admin.agent.get('/auth/me').expect(200);

    const events = (await admin.agent.get(`/auth/admin/audit?userId=${user.user.id}&type=logout_all`).expect(200)).body;
    assert.equal(events.length, 1);
    assert.equal(events[0].actorId, admin.user.id);
    // Named by email for the admin's page, paged or not.
    assert.equal(events[0].userEmail, email);
    assert.equal(events[0].actorEmail, adminEmail);
    const paged = (await admin.agent.get(`/auth/admin/audit?userId=${user.user.id}&cursor=`).expect(200)).body;
    assert.ok(paged.items.every((event: { userEmail: string }) => event.userEmail === email));
    await admin.agent
      .post(`/auth/admin/users/${randomUUID()}/logout-all`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(404);
  });
});
