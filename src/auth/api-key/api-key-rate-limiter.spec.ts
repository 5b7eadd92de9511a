import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { resolveRedisOptions } from '../core/redis.options';
import { ApiKeyRateLimiter, RateDecision } from './api-key-rate-limiter';
import { connectTestRedis, redisConfigured } from '../../../test/support/redis';
import type { AuthRedis } from '../core/redis.provider';

const options = (prefix: string) => resolveRedisOptions({ keyPrefix: prefix });
const settle = async (decision: RateDecision | Promise<RateDecision>) => (await decision).allowed;

describe('ApiKeyRateLimiter in memory', () => {
  it('admits the limit per minute and refuses the next with the seconds to wait', async () => {
    const limiter = new ApiKeyRateLimiter(null, options('m:'));
    for (let i = 0; i < 3; i++) assert.ok(await settle(limiter.consume('k', 3)));
    const refused = await limiter.consume('k', 3);
    assert.equal(refused.allowed, false);
    assert.ok(!refused.allowed && refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60);
    assert.ok(await settle(limiter.consume('other', 3)));
  });
});

describe(
  redisConfigured ? 'ApiKeyRateLimiter on Redis' : 'ApiKeyRateLimiter on Redis: needs REDIS_URL or REDIS_CLUSTER_NODES',
  { skip: !redisConfigured },
  () => {
    let redis: AuthRedis;
    const prefix = `rate-spec-${randomUUID()}:`;
    before(async () => {
      redis = await connectTestRedis();
    });
    after(async () => {
      // Every key the store writes expires by itself; on one server the test's keys go at once (a cluster has no SCAN across nodes).
      if ('scanIterator' in redis)
        for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
      await redis.close();
    });

    it('counts a small limit exactly across instances', async () => {
      const a = new ApiKeyRateLimiter(redis, options(prefix));
      const b = new ApiKeyRateLimiter(redis, options(prefix));
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await settle((i % 2 ? b : a).consume('small', 4)));
      assert.deepEqual(results, [true, true, true, true, false, false]);
    });

    it('admits a large limit exactly on one instance, deciding most requests without a round trip', async () => {
      const limiter = new ApiKeyRateLimiter(redis, options(prefix));
      let allowed = 0;
      let synchronous = 0;
      for (let i = 0; i < 220; i++) {
        const decision = limiter.consume('large', 200);
        if (!(decision instanceof Promise)) synchronous++;
        if ((await decision).allowed) allowed++;
      }
      assert.equal(allowed, 200);
      assert.ok(synchronous > 100, `only ${synchronous} of 220 decided without Redis`);
      await limiter.onApplicationShutdown();
      assert.equal(Number(await redis.get(`${prefix}apikey-rate:large`)), 220);
    });

    it('sends what it admitted locally within the flush interval', async () => {
      const limiter = new ApiKeyRateLimiter(redis, options(prefix));
      await limiter.consume('batched', 1000);
      for (let i = 0; i < 20; i++) assert.ok(await settle(limiter.consume('batched', 1000)));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(Number(await redis.get(`${prefix}apikey-rate:batched`)), 21);
      await limiter.onApplicationShutdown();
    });
  },
);
