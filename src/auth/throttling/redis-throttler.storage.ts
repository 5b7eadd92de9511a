import type { ThrottlerStorage } from '@nestjs/throttler';
import type { AuthRedis } from '../core/redis.provider';
import { LuaScript } from '../core/lua-script';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/*
 * One hash per key (hits, windowEndsAt, blockedUntil in Redis server milliseconds), read and written
 * by one script: atomic, single-key (so Redis Cluster works), one clock for every instance.
 * Semantics of ThrottlerStorageService with a fixed window: the request over the limit blocks the key
 * for blockDuration; blocked requests are not counted; when the block ends, counting starts afresh.
 */
const INCREMENT = new LuaScript(`
local ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local stored = redis.call('HMGET', KEYS[1], 'hits', 'windowEndsAt', 'blockedUntil')
local hits, windowEndsAt, blockedUntil = tonumber(stored[1]) or 0, tonumber(stored[2]) or 0, tonumber(stored[3]) or 0
if blockedUntil > 0 and blockedUntil <= now then
  hits, windowEndsAt, blockedUntil = 0, 0, 0
end
if windowEndsAt <= now then
  hits, windowEndsAt = 0, now + ttl
end
local blocked = blockedUntil > now
if not blocked then
  hits = hits + 1
  if hits > limit then
    blocked = true
    blockedUntil = now + (block > 0 and block or windowEndsAt - now)
  end
end
redis.call('HSET', KEYS[1], 'hits', hits, 'windowEndsAt', windowEndsAt, 'blockedUntil', blockedUntil)
redis.call('PEXPIRE', KEYS[1], math.max(windowEndsAt, blockedUntil) - now)
return { hits, windowEndsAt - now, blocked and 1 or 0, blocked and blockedUntil - now or 0 }
`);

/** ThrottlerStorage in Redis, so that every instance counts one client IP together. */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: AuthRedis,
    private readonly keyPrefix: string,
  ) {}

  /** `ttl` and `blockDuration` in milliseconds; the times returned in seconds, as the guard expects. */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const reply = (await INCREMENT.run(this.redis, `${this.keyPrefix}${throttlerName}:${key}`, [
      ttl,
      limit,
      blockDuration,
    ])) as number[];
    const [totalHits, msToExpire, blocked, msToBlockExpire] = reply.map(Number);
    return {
      totalHits,
      timeToExpire: Math.ceil(msToExpire / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(msToBlockExpire / 1000),
    };
  }
}
