import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AccountsService, ApiKeyFormat } from '../src/auth';
import { sha256Hex } from '../src/auth/core/secrets';
import {
  ChildApp,
  LoggedIn,
  login,
  PASSWORD,
  productionMode,
  startApp,
  startAppProcess,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';

const UNAUTHORIZED = { statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' };
const CREATED_FIELDS = ['createdAt', 'expiresAt', 'id', 'key', 'name', 'prefix', 'scopes'];
const LISTED_FIELDS = ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'scopes'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);

interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
}

async function createKey(owner: LoggedIn, body: Record<string, unknown> = {}): Promise<CreatedKey> {
  const response = await owner.agent
    .post('/auth/api-keys')
    .set('X-CSRF-Token', owner.csrfToken)
    .send({ name: 'reporting', scopes: ['reports:read'], ...body })
    .expect(201);
  return response.body;
}

const reports = (url: string, key: string) => request(url).get('/examples/reports').set('X-API-Key', key);

/** Polls until the request gives `status`; returns the milliseconds it took. */
async function waitForStatus(send: () => request.Test, status: number, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const response = await send();
    if (response.status === status) return Date.now() - start;
    if (Date.now() - start > timeoutMs)
      assert.fail(`still ${response.status} after ${timeoutMs} ms, expected ${status}`);
    await sleep(25);
  }
}

/** Counts SQL statements that touch the key or user tables while `work` runs. */
async function countKeyQueries(dataSource: DataSource, work: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const counter = {
    beforeQuery(event: { query: string }) {
      if (/auth_api_keys|auth_users/i.test(event.query)) count++;
    },
  };
  dataSource.subscribers.push(counter as never);
  try {
    await work();
  } finally {
    dataSource.subscribers.splice(dataSource.subscribers.indexOf(counter as never), 1);
  }
  return count;
}

describe(`API keys (${storageMode})`, () => {
  let t: TestApp;
  let owner: LoggedIn;
  before(async () => {
    t = await startApp();
    owner = await login(t.url);
  });
  after(() => t.close());

  describe('creation and format', () => {
    it('answers 201 with a checksummed key of the documented format, shown in this response only', async () => {
      const response = await owner.agent
        .post('/auth/api-keys')
        .set('X-CSRF-Token', owner.csrfToken)
        .send({ name: 'billing', scopes: ['reports:read', 'reports:write'] })
        .expect(201);
      const created: CreatedKey = response.body;
      assert.deepEqual(Object.keys(created).sort(), CREATED_FIELDS);
      assert.match(created.key, /^sk_[0-9A-Za-z]{38}$/);
      assert.ok(ApiKeyFormat.isWellFormed(created.key));
      assert.equal(created.prefix, created.key.slice(0, 12));
      assert.deepEqual(created.scopes, ['reports:read', 'reports:write']);
      assert.equal(created.expiresAt, null);

      const list = await owner.agent.get('/auth/api-keys').expect(200);
      const listed = list.body.find((k: { id: string }) => k.id === created.id);
      assert.deepEqual(Object.keys(listed).sort(), LISTED_FIELDS);
      assert.equal(listed.prefix, created.prefix);
      const text = JSON.stringify(list.body);
      assert.ok(!text.includes(created.key));
      assert.ok(!text.includes(created.key.slice(12)));
      assert.ok(!text.includes(sha256Hex(created.key)));
    });

    it('keeps only the SHA-256 of the key at rest', async () => {
      const created = await createKey(owner);
      const dataSource = t.app.get(DataSource);
      const rows = await dataSource.query('SELECT * FROM auth_api_keys');
      const row = rows.find((r: { id: string }) => r.id === created.id);
      assert.equal(row.key_hash, sha256Hex(created.key));
      const text = JSON.stringify(rows);
      assert.ok(!text.includes(created.key));
      assert.ok(!text.includes(created.key.slice(12, 35)));
    });

    it('requires a session or a JWT, and the CSRF token with a session', async () => {
      const created = await createKey(owner);
      await request(t.url).post('/auth/api-keys').send({ name: 'x' }).expect(401);
      await request(t.url).post('/auth/api-keys').set('X-API-Key', created.key).send({ name: 'x' }).expect(401);
      await request(t.url).get('/auth/api-keys').set('X-API-Key', created.key).expect(401);
      await owner.agent.post('/auth/api-keys').send({ name: 'x' }).expect(403);
    });

    for (const [label, body] of [
      ['no name', { scopes: [] }],
      ['a blank name', { name: '   ' }],
      ['a name over 100 characters', { name: 'x'.repeat(101) }],
      ['scopes that are not a list', { name: 'x', scopes: 'reports:read' }],
      ['a malformed scope', { name: 'x', scopes: ['reports read'] }],
      ['an expiry that is not a date', { name: 'x', expiresAt: 'tomorrow' }],
      ['an expiry in the past', { name: 'x', expiresAt: new Date(Date.now() - 60_000).toISOString() }],
      ['a rate limit of 0', { name: 'x', rateLimitPerMinute: 0 }],
      ['a rate limit that is a string', { name: 'x', rateLimitPerMinute: '10' }],
      ['an unknown field', { name: 'x', userId: randomUUID() }],
    ] as const) {
      it(`answers 400 to ${label}`, async () => {
        const response = await owner.agent
          .post('/auth/api-keys')
          .set('X-CSRF-Token', owner.csrfToken)
          .send(body)
          .expect(400);
        assert.equal(response.body.error, 'Bad Request');
      });
    }
  });

  describe('authentication', () => {
    it('authenticates by X-API-Key with the owner as the user, and its scopes', async () => {
      const created = await createKey(owner);
      const response = await reports(t.url, created.key).expect(200);
      assert.deepEqual(response.body, {
        ok: true,
        user: { id: owner.user.id, email: owner.user.email },
        via: 'apiKey',
      });
      const me = await request(t.url).get('/auth/me').set('X-API-Key', created.key).expect(200);
      assert.equal(me.body.via, 'apiKey');
      assert.deepEqual(me.body.user.roles, ['user']);
      assert.deepEqual(me.body.scopes, ['reports:read']);
      await request(t.url).get('/examples/any').set('X-API-Key', created.key).expect(200);
    });

    it('answers 403 when a scope is missing', async () => {
      const readOnly = await createKey(owner);
      const none = await createKey(owner, { scopes: [] });
      await request(t.url).post('/examples/reports').set('X-API-Key', readOnly.key).expect(403);
      const response = await reports(t.url, none.key).expect(403);
      assert.deepEqual(response.body, { statusCode: 403, message: 'Insufficient scope', error: 'Forbidden' });
      const writer = await createKey(owner, { scopes: ['reports:write'] });
      await request(t.url).post('/examples/reports').set('X-API-Key', writer.key).expect(200);
    });

    it('answers 401 to a key on a route that accepts only sessions and JWTs', async () => {
      const created = await createKey(owner);
      await request(t.url).get('/examples/profile').set('X-API-Key', created.key).expect(401);
      await request(t.url).get('/examples/admin').set('X-API-Key', created.key).expect(401);
    });

    it('ignores a key in the query string', async () => {
      const created = await createKey(owner);
      const key = encodeURIComponent(created.key);
      await request(t.url)
        .get(`/examples/reports?apiKey=${key}&api_key=${key}&x-api-key=${key}&X-API-Key=${key}`)
        .expect(401);
    });

    it('gives one and the same 401 to a changed character, a lower-cased key, garbage and an unknown key', async () => {
      const created = await createKey(owner);
      const i = 20;
      const changed = created.key.slice(0, i) + (created.key[i] === 'A' ? 'B' : 'A') + created.key.slice(i + 1);
      const lower = created.key.toLowerCase();
      const variants = [
        changed,
        created.key.slice(0, -1),
        `${created.key}x`,
        'garbage',
        `Bearer ${created.key}`,
        ApiKeyFormat.generate('sk'),
        '',
      ];
      if (lower !== created.key) variants.push(lower);
      for (const variant of variants) {
        const response = await reports(t.url, variant).expect(401);
        assert.deepEqual(response.body, UNAUTHORIZED, JSON.stringify(variant));
      }
      await reports(t.url, created.key).expect(200);
    });

    it('treats a trailing space as HTTP whitespace (RFC 9110 OWS, stripped by the parser) but refuses a space inside the value', async () => {
      const created = await createKey(owner);
      await reports(t.url, `${created.key} `).expect(200);
      await reports(t.url, `${created.key.slice(0, 10)} ${created.key.slice(10)}`).expect(401);
      assert.equal(ApiKeyFormat.isWellFormed(`${created.key} `), false);
    });

    it('refuses a bad checksum before any look-up', async () => {
      const created = await createKey(owner);
      const tampered = `${created.key.slice(0, -1)}${created.key.endsWith('A') ? 'B' : 'A'}`;
      const queries = await countKeyQueries(t.app.get(DataSource), async () => {
        for (let n = 0; n < 5; n++) await reports(t.url, tampered).expect(401);
      });
      assert.equal(queries, 0);
    });

    it('runs no SQL query for a request with a known key', async () => {
      const created = await createKey(owner);
      await reports(t.url, created.key).expect(200);
      await sleep(200);
      const queries = await countKeyQueries(t.app.get(DataSource), async () => {
        for (let n = 0; n < 20; n++) await reports(t.url, created.key).expect(200);
      });
      assert.equal(queries, 0);
    });

    it('sets lastUsedAt soon after first use, off the request path', async () => {
      const created = await createKey(owner);
      const lastUsed = async () =>
        (await owner.agent.get('/auth/api-keys').expect(200)).body.find((k: { id: string }) => k.id === created.id)
          .lastUsedAt;
      assert.equal(await lastUsed(), null);
      const before = Date.now();
      await reports(t.url, created.key).expect(200);
      const deadline = Date.now() + 3000;
      let value = await lastUsed();
      while (!value && Date.now() < deadline) {
        await sleep(50);
        value = await lastUsed();
      }
      assert.ok(value, 'lastUsedAt was not set');
      assert.ok(Math.abs(new Date(value).getTime() - before) < 5000);
    });
  });

  describe('lifecycle', () => {
    it('revokes a key at once, listed with revokedAt, with the same 401 as an unknown key', async () => {
      const created = await createKey(owner);
      await reports(t.url, created.key).expect(200);
      await owner.agent.delete(`/auth/api-keys/${created.id}`).set('X-CSRF-Token', owner.csrfToken).expect(204);
      const response = await reports(t.url, created.key).expect(401);
      assert.deepEqual(response.body, UNAUTHORIZED);
      const list = await owner.agent.get('/auth/api-keys').expect(200);
      assert.ok(list.body.find((k: { id: string }) => k.id === created.id).revokedAt);
      await owner.agent.delete(`/auth/api-keys/${created.id}`).set('X-CSRF-Token', owner.csrfToken).expect(204);
    });

    it('stops an expired key at its expiry even while it is cached', async () => {
      const created = await createKey(owner, { expiresAt: new Date(Date.now() + 1500).toISOString() });
      assert.ok(created.expiresAt);
      await reports(t.url, created.key).expect(200);
      await waitForStatus(() => reports(t.url, created.key), 401, 4000);
      const response = await reports(t.url, created.key).expect(401);
      assert.deepEqual(response.body, UNAUTHORIZED);
    });

    it('rotates without grace: the new key works, the old one stops at once', async () => {
      const old = await createKey(owner, { scopes: ['reports:read', 'reports:write'], rateLimitPerMinute: 1000 });
      await reports(t.url, old.key).expect(200);
      const response = await owner.agent
        .post(`/auth/api-keys/${old.id}/rotate`)
        .set('X-CSRF-Token', owner.csrfToken)
        .send({})
        .expect(201);
      const successor: CreatedKey = response.body;
      assert.deepEqual(Object.keys(successor).sort(), CREATED_FIELDS);
      assert.notEqual(successor.id, old.id);
      assert.notEqual(successor.key, old.key);
      assert.deepEqual(successor.scopes, old.scopes);
      await reports(t.url, old.key).expect(401);
      await reports(t.url, successor.key).expect(200);
      await owner.agent
        .post(`/auth/api-keys/${old.id}/rotate`)
        .set('X-CSRF-Token', owner.csrfToken)
        .send({})
        .expect(404);
    });

    it('rotates with grace: the old key works until the grace period ends', async () => {
      const old = await createKey(owner);
      await reports(t.url, old.key).expect(200);
      const response = await owner.agent
        .post(`/auth/api-keys/${old.id}/rotate`)
        .set('X-CSRF-Token', owner.csrfToken)
        .send({ gracePeriodSeconds: 2 })
        .expect(201);
      const rotatedAt = Date.now();
      await reports(t.url, old.key).expect(200);
      await reports(t.url, response.body.key).expect(200);
      const list = await owner.agent.get('/auth/api-keys').expect(200);
      const listedOld = list.body.find((k: { id: string }) => k.id === old.id);
      assert.equal(listedOld.revokedAt, null);
      assert.ok(Math.abs(new Date(listedOld.expiresAt).getTime() - (rotatedAt + 2000)) < 1500);
      await waitForStatus(() => reports(t.url, old.key), 401, 5000);
      assert.ok(Date.now() - rotatedAt >= 1500, 'the old key stopped before its grace period');
      await reports(t.url, response.body.key).expect(200);
    });

    for (const gracePeriodSeconds of [-1, 604_801, 1.5, '60']) {
      it(`answers 400 to a grace period of ${JSON.stringify(gracePeriodSeconds)}`, async () => {
        const created = await createKey(owner);
        await owner.agent
          .post(`/auth/api-keys/${created.id}/rotate`)
          .set('X-CSRF-Token', owner.csrfToken)
          .send({ gracePeriodSeconds })
          .expect(400);
      });
    }

    it('answers 404 for another user key, or an unknown one, and leaves it working', async () => {
      const stranger = await login(t.url);
      const theirs = await createKey(stranger);
      await owner.agent.delete(`/auth/api-keys/${theirs.id}`).set('X-CSRF-Token', owner.csrfToken).expect(404);
      await owner.agent
        .post(`/auth/api-keys/${theirs.id}/rotate`)
        .set('X-CSRF-Token', owner.csrfToken)
        .send({})
        .expect(404);
      await owner.agent.delete(`/auth/api-keys/${randomUUID()}`).set('X-CSRF-Token', owner.csrfToken).expect(404);
      await owner.agent.delete('/auth/api-keys/not-a-key').set('X-CSRF-Token', owner.csrfToken).expect(404);
      await reports(t.url, theirs.key).expect(200);
      const list = await owner.agent.get('/auth/api-keys').expect(200);
      assert.ok(!list.body.some((k: { id: string }) => k.id === theirs.id));
    });

    it('answers 429 with Retry-After over the per-key limit, and counts each key apart', async () => {
      const limited = await createKey(owner, { rateLimitPerMinute: 3 });
      const other = await createKey(owner, { rateLimitPerMinute: 3 });
      for (let n = 0; n < 3; n++) await reports(t.url, limited.key).expect(200);
      const response = await reports(t.url, limited.key).expect(429);
      const retryAfter = Number(response.headers['retry-after']);
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
        `Retry-After: ${response.headers['retry-after']}`,
      );
      assert.deepEqual(response.body, { statusCode: 429, message: 'Too Many Requests', error: 'Too Many Requests' });
      await reports(t.url, other.key).expect(200);
    });

    it('stops the keys of a disabled owner, evicting them from the cache, and resumes on enable', async () => {
      const person = await login(t.url);
      const created = await createKey(person);
      await reports(t.url, created.key).expect(200);
      const accounts = t.app.get(AccountsService);
      await accounts.disable(person.user.id);
      await reports(t.url, created.key).expect(401);
      await accounts.enable(person.user.id);
      await reports(t.url, created.key).expect(200);
    });

    it('refuses the key of a disabled owner at look-up, without any event', async () => {
      const person = await login(t.url);
      const created = await createKey(person);
      await t.app
        .get(DataSource)
        .query(`UPDATE auth_users SET disabled_at = created_at WHERE email = '${person.user.email}'`);
      await reports(t.url, created.key).expect(401);
    });
  });

  describe('service accounts', () => {
    const cli = join(__dirname, '..', 'src', 'cli', 'main.js');
    const runCli = (args: string[]) =>
      run(process.execPath, [cli, 'key:create', ...args], { env: { ...process.env, ...t.env } as NodeJS.ProcessEnv });

    it('issues a key from the command line to a password-less service account, printed once', async () => {
      const email = uniqueEmail('billing');
      const { stdout } = await runCli(['--email', email, '--name', 'billing', '--scopes', 'reports:read']);
      const key = stdout.trim();
      assert.ok(ApiKeyFormat.isWellFormed(key));
      const me = await request(t.url).get('/auth/me').set('X-API-Key', key).expect(200);
      assert.equal(me.body.user.email, email);
      assert.deepEqual(me.body.user.roles, ['service']);
      await reports(t.url, key).expect(200);
      await request(t.url).post('/examples/reports').set('X-API-Key', key).expect(403);
      await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(401);

      const second = await runCli(['--email', email, '--name', 'billing-2', '--scopes', 'reports:read,reports:write']);
      const again = await request(t.url).get('/auth/me').set('X-API-Key', second.stdout.trim()).expect(200);
      assert.equal(again.body.user.id, me.body.user.id);
    });

    it('refuses to issue a key for a person account', async () => {
      await assert.rejects(
        runCli(['--email', owner.user.email, '--name', 'sneaky']),
        (error: { code?: number; stderr?: string }) => {
          assert.equal(error.code, 1);
          assert.match(String(error.stderr), /not a service account/);
          return true;
        },
      );
    });
  });
});

describe(`API keys with the cache switched off (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ API_KEY_CACHE: 'off' });
  });
  after(() => t.close());

  it('looks the key up and writes lastUsedAt on every request', async () => {
    const owner = await login(t.url);
    const created = await createKey(owner);
    await reports(t.url, created.key).expect(200);
    const queries = await countKeyQueries(t.app.get(DataSource), async () => {
      for (let n = 0; n < 5; n++) await reports(t.url, created.key).expect(200);
    });
    // Per request: the key, its owner through the users port, and the UPDATE of lastUsedAt.
    assert.equal(queries, 15);
    await owner.agent.delete(`/auth/api-keys/${created.id}`).set('X-CSRF-Token', owner.csrfToken).expect(204);
    await reports(t.url, created.key).expect(401);
  });
});

describe(`API keys across instances (${storageMode})`, () => {
  const sharedPrefix = `${process.env.REDIS_KEY_PREFIX ?? 'test:'}${randomUUID()}:`;
  let a: TestApp;
  let b: ChildApp;
  before(async () => {
    if (!productionMode) return;
    a = await startApp({ REDIS_KEY_PREFIX: sharedPrefix });
    b = await startAppProcess({ REDIS_KEY_PREFIX: sharedPrefix, SESSION_SECRET: a.env.SESSION_SECRET });
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  const skip = productionMode
    ? false
    : 'needs REDIS_URL and DATABASE_URL: embedded instances share neither a database nor a bus';

  it('a revocation on one instance reaches the other instance cache within one second', { skip }, async () => {
    const owner = await login(a.url);
    const created = await createKey(owner);
    await reports(b.url, created.key).expect(200);
    await reports(b.url, created.key).expect(200);
    const revokedAt = Date.now();
    await owner.agent.delete(`/auth/api-keys/${created.id}`).set('X-CSRF-Token', owner.csrfToken).expect(204);
    await waitForStatus(() => reports(b.url, created.key), 401, 1000);
    assert.ok(Date.now() - revokedAt < 1000);
  });

  it(
    'a rotation without grace on one instance stops the old key on the other within one second',
    { skip },
    async () => {
      const owner = await login(a.url);
      const created = await createKey(owner);
      await reports(b.url, created.key).expect(200);
      const rotated = await owner.agent
        .post(`/auth/api-keys/${created.id}/rotate`)
        .set('X-CSRF-Token', owner.csrfToken)
        .send({})
        .expect(201);
      await waitForStatus(() => reports(b.url, created.key), 401, 1000);
      await reports(b.url, rotated.body.key).expect(200);
    },
  );

  it('disabling the owner on one instance stops the key on the other within one second', { skip }, async () => {
    const owner = await login(a.url);
    const created = await createKey(owner);
    await reports(b.url, created.key).expect(200);
    await a.app.get(AccountsService).disable(owner.user.id);
    await waitForStatus(() => reports(b.url, created.key), 401, 1000);
  });

  it('shares the per-key rate limit between instances', { skip }, async () => {
    const owner = await login(a.url);
    const created = await createKey(owner, { rateLimitPerMinute: 4 });
    await reports(a.url, created.key).expect(200);
    await reports(b.url, created.key).expect(200);
    await reports(a.url, created.key).expect(200);
    await reports(b.url, created.key).expect(200);
    await reports(a.url, created.key).expect(429);
    await reports(b.url, created.key).expect(429);
  });
});
