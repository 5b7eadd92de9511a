import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FAILURES_FORGOTTEN_AFTER_MS } from './lockout-policy';
import { RedisLockoutStore } from './redis-lockout.store';
import { connectTestRedis, redisConfigured } from '../../../test/support/redis';
import type { AuthRedis } from '../core/redis.provider';

const skip = redisConfigured ? false : 'needs REDIS_URL or REDIS_CLUSTER_NODES';
const options = { threshold: 2, baseSeconds: 1, maxSeconds: 2 };

describe('RedisLockoutStore against Redis', { skip }, () => {
  let redis: AuthRedis;
  let store: RedisLockoutStore;
  const prefix = `${process.env.REDIS_KEY_PREFIX ?? 'test:'}unit-${randomUUID()}:`;
  before(async () => {
    redis = await connectTestRedis();
    store = new RedisLockoutStore(redis, prefix, options);
  });
  after(async () => {
    // Every key the store writes expires by itself; on one server the test's keys go at once (a cluster has no SCAN across nodes).
    if ('scanIterator' in redis)
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
    await redis.close();
  });

  it('backs off from the threshold on, doubling up to the maximum', async () => {
    const account = randomUUID();
    assert.deepEqual([await store.begin(account), await store.begin(account)], [0, 0]);
    const first = await store.begin(account);
    assert.ok(first > 900 && first <= 1000, `${first}`);
    await sleep(first);
    assert.equal(await store.begin(account), 0);
    const second = await store.begin(account);
    assert.ok(second > 1900 && second <= 2000, `${second}`);
    await sleep(second);
    assert.equal(await store.begin(account), 0);
    const capped = await store.begin(account);
    assert.ok(capped > 1900 && capped <= 2000, `${capped}`);
  });

  it('keeps one hash per account, expiring a day after the back-off, and deletes it on reset', async () => {
    const account = randomUUID();
    await store.begin(account);
    const key = prefix + account;
    assert.deepEqual(Object.keys(await redis.hGetAll(key)).sort(), ['failures', 'lockedUntil']);
    const ttl = await redis.pTTL(key);
    assert.ok(ttl > FAILURES_FORGOTTEN_AFTER_MS - 1000 && ttl <= FAILURES_FORGOTTEN_AFTER_MS, `${ttl}`);
    await store.reset(account);
    assert.equal(await redis.exists(key), 0);
    assert.deepEqual([await store.begin(account), await store.begin(account)], [0, 0]);
  });

  it('lets exactly `threshold` parallel attempts through', async () => {
    const account = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.begin(account)));
    assert.equal(results.filter((ms) => ms === 0).length, 2);
  });
});
