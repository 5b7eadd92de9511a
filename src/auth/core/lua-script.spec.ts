import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, RedisClientType } from 'redis';
import { LuaScript } from './lua-script';

const skip = process.env.REDIS_URL ? false : 'needs REDIS_URL';

describe('LuaScript against Redis', { skip }, () => {
  let redis: RedisClientType;
  before(async () => {
    redis = createClient({ url: process.env.REDIS_URL }) as RedisClientType;
    await redis.connect();
  });
  after(() => redis.close());

  it('loads a script the server has not seen, then runs it by its SHA-1', async () => {
    // A source no server has seen, so the first run takes the NOSCRIPT path.
    const script = new LuaScript(`return { KEYS[1], ARGV[1] } -- ${randomUUID()}`);
    assert.deepEqual(await script.run(redis, 'k', [7]), ['k', '7']);
    assert.deepEqual(await script.run(redis, 'k', [8]), ['k', '8']);
  });
});
