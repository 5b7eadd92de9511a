import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeyFormat } from '../src/auth';
import { ChildApp, LoggedIn, login, startApp, startAppProcess, storageMode, TestApp } from './support/app';

const reports = (url: string, key: string) => request(url).get('/examples/reports').set('X-API-Key', key);

async function createKey(owner: LoggedIn): Promise<{ id: string; key: string }> {
  const response = await owner.agent
    .post('/auth/api-keys')
    .set('X-CSRF-Token', owner.csrfToken)
    .send({ name: 'known', scopes: ['reports:read'] })
    .expect(201);
  return response.body;
}

/** Counts the SQL statements that read the key table while `work` runs. */
async function countKeyLookups(dataSource: DataSource, work: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const counter = {
    beforeQuery(event: { query: string }) {
      if (/auth_api_keys/i.test(event.query) && /SELECT/i.test(event.query)) count++;
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

/** `count` well-formed keys that exist nowhere, sent `concurrency` at a time; every answer must be 401. */
async function sendJunk(url: string, count: number, concurrency = 50): Promise<void> {
  for (let sent = 0; sent < count; sent += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - sent) }, () =>
      reports(url, ApiKeyFormat.generate('sk')),
    );
    for (const response of await Promise.all(batch)) assert.equal(response.status, 401);
  }
}

describe(`unknown API keys are refused without SQL, known keys never for others' junk (${storageMode})`, () => {
  let t: TestApp;
  let owner: LoggedIn;
  before(async () => {
    t = await startApp();
    owner = await login(t.url);
  });
  after(() => t.close());

  it('runs no SQL query for well-formed keys that do not exist', async () => {
    const lookups = await countKeyLookups(t.app.get(DataSource), () => sendJunk(t.url, 40, 20));
    assert.equal(lookups, 0);
  });

  it('serves a valid key after 1,000 junk keys from its address, one it had used and one it had not', async () => {
    const used = await createKey(owner);
    const fresh = await createKey(owner);
    await reports(t.url, used.key).expect(200);
    const lookups = await countKeyLookups(t.app.get(DataSource), () => sendJunk(t.url, 1000));
    assert.equal(lookups, 0, 'junk keys reached the key table');
    await reports(t.url, fresh.key).expect(200);
    await reports(t.url, used.key).expect(200);
  });

  it('still refuses a revoked key, and a key of another format prefix that does not exist', async () => {
    const created = await createKey(owner);
    await reports(t.url, created.key).expect(200);
    await owner.agent.delete(`/auth/api-keys/${created.id}`).set('X-CSRF-Token', owner.csrfToken).expect(204);
    await reports(t.url, created.key).expect(401);
    await reports(t.url, ApiKeyFormat.generate('live')).expect(401);
  });
});

/**
 * Two instances in two processes, on one database: embedded, one SQLite file (the revocation log is
 * all they share); with PostgreSQL and Redis, one database and one bus.
 */
describe(`a key created on one instance is accepted on another at once (${storageMode})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-known-'));
  const shared = {
    DATA_DIR: dataDir,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'test:'}${randomUUID()}:`,
  };
  let a: TestApp;
  let b: ChildApp;
  before(async () => {
    a = await startApp(shared);
    b = await startAppProcess(shared);
  });
  after(async () => {
    await b?.close();
    await a?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 200 on the other instance to the first request after the 201, for new and rotated keys alike', async () => {
    const owner = await login(a.url);
    for (let n = 0; n < 5; n++) {
      const created = await createKey(owner);
      await reports(b.url, created.key).expect(200);
    }
    const old = await createKey(owner);
    const rotated = await owner.agent
      .post(`/auth/api-keys/${old.id}/rotate`)
      .set('X-CSRF-Token', owner.csrfToken)
      .send({})
      .expect(201);
    await reports(b.url, rotated.body.key).expect(200);
  });

  it('answers 200 on this instance to a key created on the other one', async () => {
    const owner = await login(b.url);
    const created = await createKey(owner);
    await reports(a.url, created.key).expect(200);
  });

  it('serves the new key on the other instance while junk keys flood it from the same address', async () => {
    const owner = await login(a.url);
    const flood = sendJunk(b.url, 300);
    const created = await createKey(owner);
    await reports(b.url, created.key).expect(200);
    await flood;
  });
});
