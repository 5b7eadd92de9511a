import type { AuthRedis } from '../core/redis.provider';
import { FAILURES_FORGOTTEN_AFTER_MS, LockoutStore } from './lockout-policy';
import { LuaScript } from '../core/lua-script';
import { ResolvedLockoutOptions } from './throttling.options';

/*
 * One hash per account (failures, lockedUntil in Redis server milliseconds), checked and counted by
 * one script: atomic across instances, single-key for Redis Cluster. The back-off is backoffMs() of
 * lockout-policy.ts, in Lua.
 */
const BEGIN = new LuaScript(`
local threshold, baseMs, maxMs, forgetMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local stored = redis.call('HMGET', KEYS[1], 'failures', 'lockedUntil')
local failures, lockedUntil = tonumber(stored[1]) or 0, tonumber(stored[2]) or 0
if lockedUntil > now then
  return lockedUntil - now
end
failures = failures + 1
lockedUntil = now
if failures >= threshold then
  lockedUntil = now + math.min(baseMs * 2 ^ math.min(failures - threshold, 30), maxMs)
end
redis.call('HSET', KEYS[1], 'failures', failures, 'lockedUntil', lockedUntil)
redis.call('PEXPIRE', KEYS[1], lockedUntil - now + forgetMs)
return 0
`);

/** Production mode: failures in Redis, so that every instance sees the same back-off. */
export class RedisLockoutStore implements LockoutStore {
  constructor(
    private readonly redis: AuthRedis,
    private readonly keyPrefix: string,
    private readonly options: ResolvedLockoutOptions,
  ) {}

  async begin(accountKey: string): Promise<number> {
    const { threshold, baseSeconds, maxSeconds } = this.options;
    const args = [threshold, baseSeconds * 1000, maxSeconds * 1000, FAILURES_FORGOTTEN_AFTER_MS];
    return Number(await BEGIN.run(this.redis, this.keyPrefix + accountKey, args));
  }

  async reset(accountKey: string): Promise<void> {
    await this.redis.del(this.keyPrefix + accountKey);
  }
}
