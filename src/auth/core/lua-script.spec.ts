import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LuaScript } from './lua-script';
import { connectTestRedis, redisConfigured } from '../../../test/support/redis';
import type { AuthRedis } from './redis.provider';

const skip = redisConfigured ? false : 'needs REDIS_URL or REDIS_CLUSTER_NODES';

describe('LuaScript against Redis', { skip }, () => {
  let redis: AuthRedis;
  before(async () => {
    redis = await connectTestRedis();
  });
  after(() => redis.close());

  it('loads a script the server has not seen, then runs it by its SHA-1', async () => {
    // A source no server has seen, so the first run takes the NOSCRIPT path.
    const script = new LuaScript(`return { KEYS[1], ARGV[1] } -- ${randomUUID()}`);
    assert.deepEqual(await script.run(redis, 'k', [7]), ['k', '7']);
    assert.deepEqual(await script.run(redis, 'k', [8]), ['k', '8']);
  });
});
