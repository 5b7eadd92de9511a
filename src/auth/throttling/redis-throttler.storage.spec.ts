import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { connectTestRedis, redisConfigured } from '../../../test/support/redis';
import type { AuthRedis } from '../core/redis.provider';

const skip = redisConfigured ? false : 'needs REDIS_URL or REDIS_CLUSTER_NODES';

describe('RedisThrottlerStorage against Redis', { skip }, () => {
  let redis: AuthRedis;
  const prefix = `${process.env.REDIS_KEY_PREFIX ?? 'test:'}unit-${randomUUID()}:`;
  before(async () => {
    redis = await connectTestRedis();
  });
  after(async () => {
    // Every key the store writes expires by itself; on one server the test's keys go at once (a cluster has no SCAN across nodes).
    if ('scanIterator' in redis)
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
    await redis.close();
  });

  it('answers like ThrottlerStorageService: ms in, seconds out, blocked from the request over the limit', async () => {
    const storage = new RedisThrottlerStorage(redis, prefix);
    const memory = new ThrottlerStorageService();
    const key = randomUUID();
    for (let i = 0; i < 5; i++) {
      const expected = await memory.increment(key, 60_000, 3, 10_000, 'default');
      const actual = await storage.increment(key, 60_000, 3, 10_000, 'default');
      // The in-memory storage leaves timeToBlockExpire meaningless while not blocked; the guard reads it only when blocked.
      if (!expected.isBlocked) expected.timeToBlockExpire = 0;
      assert.deepEqual(actual, expected, `request ${i + 1}`);
    }
    memory.onApplicationShutdown();
  });

  it('keeps one hash per key under the prefix, expiring with its window or block', async () => {
    const storage = new RedisThrottlerStorage(redis, prefix);
    await storage.increment('k', 5_000, 1, 20_000, 'default');
    const redisKey = `${prefix}default:k`;
    assert.deepEqual(Object.keys(await redis.hGetAll(redisKey)).sort(), ['blockedUntil', 'hits', 'windowEndsAt']);
    assert.ok((await redis.pTTL(redisKey)) <= 5_000);
    await storage.increment('k', 5_000, 1, 20_000, 'default');
    assert.ok((await redis.pTTL(redisKey)) > 5_000);
  });

  it('counts afresh once the block has ended, and once the window has ended', async () => {
    const storage = new RedisThrottlerStorage(redis, prefix);
    const key = randomUUID();
    await storage.increment(key, 60_000, 1, 200, 'default');
    const blocked = await storage.increment(key, 60_000, 1, 200, 'default');
    assert.equal(blocked.isBlocked, true);
    assert.equal(blocked.timeToBlockExpire, 1);
    await sleep(250);
    assert.deepEqual(await storage.increment(key, 60_000, 1, 200, 'default'), {
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });

    const windowed = randomUUID();
    await storage.increment(windowed, 200, 2, 60_000, 'default');
    await storage.increment(windowed, 200, 2, 60_000, 'default');
    await sleep(250);
    assert.equal((await storage.increment(windowed, 200, 2, 60_000, 'default')).totalHits, 1);
  });

  it('counts every hit of parallel callers exactly once', async () => {
    const storage = new RedisThrottlerStorage(redis, prefix);
    const key = randomUUID();
    const records = await Promise.all(
      Array.from({ length: 30 }, () => storage.increment(key, 60_000, 10, 60_000, 'default')),
    );
    assert.equal(records.filter((r) => !r.isBlocked).length, 10);
    assert.deepEqual(
      records
        .map((r) => r.totalHits)
        .sort((x, y) => x - y)
        .slice(0, 10),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });
});
