import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ChildApp, PASSWORD, productionMode, startAppProcess, uniqueEmail } from './support/app';
import { freshDatabase, FreshDatabase } from './support/database';
import { OwnRedis, ProxyMode, TcpProxy } from './support/faults';
import { newEcKeyPem } from './support/tokens';

const skip = productionMode
  ? false
  : 'needs PostgreSQL (DATABASE_URL): the faults are cut between two instances and their shared stores';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const OUTAGE_MS = 3000;

interface Credentials {
  cookie: string;
  csrfToken: string;
  accessToken: string;
  refreshToken: string;
  apiKey: string;
  apiKeyId: string;
}

/** A user with a session, a token pair and an API key, all made on `url`. */
async function credentialsOn(url: string): Promise<Credentials> {
  const email = uniqueEmail('faults');
  await request(url).post('/auth/register').send({ email, password: PASSWORD }).expect(201);
  const session = await request(url).post('/auth/login').send({ email, password: PASSWORD }).expect(200);
  const cookie = (session.headers['set-cookie'] as unknown as string[])
    .find((c) => c.startsWith('sid='))
    ?.split(';')[0] as string;
  const tokens = (await request(url).post('/auth/token').send({ email, password: PASSWORD }).expect(200)).body;
  const key = (
    await request(url)
      .post('/auth/api-keys')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', session.body.csrfToken)
      .send({ name: 'k', scopes: ['reports:read'] })
      .expect(201)
  ).body;
  return {
    cookie,
    csrfToken: session.body.csrfToken,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    apiKey: key.key,
    apiKeyId: key.id,
  };
}

const bySession = (url: string, c: Credentials) => request(url).get('/examples/profile').set('Cookie', c.cookie);
const byToken = (url: string, c: Credentials) =>
  request(url).get('/examples/profile').set('Authorization', `Bearer ${c.accessToken}`);
const byKey = (url: string, c: Credentials) => request(url).get('/examples/reports').set('X-API-Key', c.apiKey);

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** Requests every 50 ms on both instances while `during` runs; answers every status seen. */
async function trafficDuring(
  instances: ChildApp[],
  credentials: Credentials,
  during: () => Promise<void>,
): Promise<number[]> {
  const statuses: number[] = [];
  let running = true;
  const traffic = (async () => {
    while (running) {
      for (const { url } of instances) {
        for (const send of [bySession, byToken, byKey])
          statuses.push((await send(url, credentials).timeout(8000)).status);
      }
      await sleep(50);
    }
  })();
  try {
    await during();
  } finally {
    running = false;
  }
  await traffic;
  return statuses;
}

describe(
  'faults: Redis and PostgreSQL cut under two instances in separate processes',
  { skip, timeout: 240_000 },
  () => {
    let db: FreshDatabase;
    let database: TcpProxy;
    let redis: OwnRedis;
    let redisLink: TcpProxy;
    let a: ChildApp;
    let b: ChildApp;
    const adminEmail = uniqueEmail('admin');

    before(async () => {
      db = await freshDatabase('faults');
      database = await TcpProxy.start(Number(new URL((db.connection as { url: string }).url).port));
      redis = await OwnRedis.start();
      redisLink = await TcpProxy.start(redis.port);
      const proxied = new URL((db.connection as { url: string }).url);
      proxied.port = String(database.port);
      const shared = {
        DATABASE_URL: proxied.toString(),
        REDIS_URL: `redis://127.0.0.1:${redisLink.port}`,
        // Its own Redis even in the run on a cluster: the faults are cut between it and the instances.
        REDIS_CLUSTER_NODES: '',
        REDIS_KEY_PREFIX: `faults-${randomUUID()}:`,
        SESSION_SECRET: randomBytes(32).toString('hex'),
        JWT_PRIVATE_KEY: newEcKeyPem().privateKey,
        AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
        AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
        LOCKOUT_THRESHOLD: '3',
      };
      // One after the other: the first runs the migrations on the empty database.
      a = await startAppProcess(shared);
      b = await startAppProcess(shared);
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await redisLink?.close();
      await redis?.stop();
      await database?.close();
      await db?.drop();
    });

    const alive = () => {
      assert.equal(a.child.exitCode, null, 'instance A died');
      assert.equal(b.child.exitCode, null, 'instance B died');
    };
    const ready = (url: string) => request(url).get('/health/ready');

    it(
      'Redis killed for 3 s, then restarted: no 5xx but 503, no crash, no session lost, revocations during the outage hold, health tells, and it heals',
      { timeout: 60_000 },
      async () => {
        const user = await credentialsOn(a.url);
        const revokedFamily = await credentialsOn(a.url);
        const revokedKey = await credentialsOn(a.url);
        for (const send of [bySession, byToken, byKey]) await send(b.url, user).expect(200);
        await byToken(b.url, revokedFamily).expect(200);
        await byKey(b.url, revokedKey).expect(200);

        const statuses = await trafficDuring([a, b], user, async () => {
          await redis.kill();
          await waitFor('B reports Redis down', async () => (await ready(b.url)).status === 503, 5000);
          assert.equal((await ready(b.url)).body.error.redis.status, 'down');
          // Tokens and keys need no Redis: they keep working, and revocations made now reach the other instance through the log.
          await byToken(b.url, user).expect(200);
          await request(a.url)
            .post('/auth/token/revoke')
            .send({ refresh_token: revokedFamily.refreshToken })
            .expect(200);
          await request(a.url)
            .delete(`/auth/api-keys/${revokedKey.apiKeyId}`)
            .set('Authorization', `Bearer ${revokedKey.accessToken}`)
            .expect(204);
          const familyMs = await waitFor(
            'B refuses the revoked family',
            async () => (await byToken(b.url, revokedFamily)).status === 401,
            1500,
          );
          const keyMs = await waitFor(
            'B refuses the revoked key',
            async () => (await byKey(b.url, revokedKey)).status === 401,
            1500,
          );
          assert.ok(familyMs <= 1000 && keyMs <= 1000, `revocations took ${familyMs} ms and ${keyMs} ms`);
          await sleep(OUTAGE_MS);
          await redis.restart();
        });
        assert.deepEqual(
          [...new Set(statuses.filter((status) => status >= 500))].filter((status) => status !== 503),
          [],
        );
        assert.ok(statuses.includes(503), 'session requests were refused with 503 while Redis was away');

        // Each instance reconnects on its own back-off: both must heal, neither is assumed to be first.
        await waitFor(
          'A and B ready again',
          async () => (await ready(a.url)).status === 200 && (await ready(b.url)).status === 200,
          10_000,
        );
        await waitFor('the session works again on B', async () => (await bySession(b.url, user)).status === 200, 5000);
        await waitFor('the session works again on A', async () => (await bySession(a.url, user)).status === 200, 5000);
        await byToken(b.url, revokedFamily).expect(401);
        await byKey(b.url, revokedKey).expect(401);
        alive();
      },
    );

    it(
      'Redis connections accepted and dropped, on and off for 3 s: never a 5xx but 503, no crash, and the session survives',
      { timeout: 60_000 },
      async () => {
        const user = await credentialsOn(a.url);
        await bySession(b.url, user).expect(200);
        const modes: ProxyMode[] = [
          'drop-after-accept',
          'forward',
          'drop-after-accept',
          'blackhole',
          'forward',
          'drop-after-accept',
        ];
        const statuses = await trafficDuring([a, b], user, async () => {
          for (const mode of modes) {
            redisLink.set(mode);
            await sleep(OUTAGE_MS / modes.length);
          }
          redisLink.set('forward');
        });
        assert.deepEqual([...new Set(statuses.filter((status) => status >= 500 && status !== 503))], []);
        await waitFor(
          'the session works again on both instances',
          async () => (await bySession(b.url, user)).status === 200 && (await bySession(a.url, user)).status === 200,
          10_000,
        );
        await byToken(b.url, user).expect(200);
        alive();
      },
    );

    it(
      'PostgreSQL cut for 3 s: never a 5xx but 503, sessions keep working from Redis, health tells, it heals, and queued audit events are written after',
      { timeout: 60_000 },
      async () => {
        const user = await credentialsOn(a.url);
        const locked = uniqueEmail('locked');
        await request(a.url).post('/auth/register').send({ email: locked, password: PASSWORD }).expect(201);
        for (let i = 0; i < 3; i++)
          await request(a.url).post('/auth/login').send({ email: locked, password: 'not the password' }).expect(401);

        const statuses = await trafficDuring([a, b], user, async () => {
          database.set('refuse');
          await waitFor('B reports the database down', async () => (await ready(b.url)).status === 503, 5000);
          assert.equal((await ready(b.url)).body.error.database.status, 'down');
          await bySession(b.url, user).expect(200);
          // The token and the key were cached on B, but B cannot read the revocation log: it answers from the store, which is away.
          await waitFor('B stops answering from memory', async () => (await byToken(b.url, user)).status === 503, 2000);
          assert.equal((await byKey(b.url, user)).status, 503);
          // Counted in Redis and audited without the database: the event waits in the batch.
          await request(a.url).post('/auth/login').send({ email: locked, password: PASSWORD }).expect(429);
          const login = await request(b.url).post('/auth/login').send({ email: uniqueEmail(), password: PASSWORD });
          assert.equal(login.status, 503);
          await sleep(OUTAGE_MS);
          database.set('forward');
        });
        assert.deepEqual([...new Set(statuses.filter((status) => status >= 500 && status !== 503))], []);
        assert.ok(statuses.includes(503), 'requests that need the database were refused with 503');

        await waitFor('B ready again', async () => (await ready(b.url)).status === 200, 15_000);
        for (const send of [bySession, byToken, byKey]) await send(b.url, user).expect(200);
        const admin = await request(b.url)
          .post('/auth/token')
          .send({ email: adminEmail, password: PASSWORD })
          .expect(200);
        await waitFor(
          'the lock-out audited during the outage is written',
          async () => {
            const events = await request(b.url)
              .get('/auth/admin/audit?type=lockout&limit=50')
              .set('Authorization', `Bearer ${admin.body.access_token}`);
            return (
              events.status === 200 &&
              (events.body as Array<{ detail: { email?: string } }>).some((event) => event.detail?.email === locked)
            );
          },
          5000,
        );
        alive();
      },
    );
  },
);
