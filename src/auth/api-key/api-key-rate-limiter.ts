import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUTH_OPTIONS, ResolvedAuthOptions } from '../auth.options';
import { LuaScript } from '../core/lua-script';
import { AuthRedis, REDIS_CLIENT } from '../core/redis.provider';

const WINDOW_MS = 60_000;
const MEMORY_WINDOWS_BOUND = 10_000;

// One key per API key, so it works unchanged on Redis Cluster; INCR and PEXPIRE are atomic together.
const countScript = new LuaScript(`
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`);

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Per-key requests per minute in fixed windows: in Redis when configured, so every instance shares
 * one count, in process memory otherwise.
 */
@Injectable()
export class ApiKeyRateLimiter {
  private readonly logger = new Logger(ApiKeyRateLimiter.name);
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly redisKeyPrefix: string;
  private lastWarningAt = 0;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: AuthRedis,
    @Inject(AUTH_OPTIONS) options: ResolvedAuthOptions,
  ) {
    this.redisKeyPrefix = `${options.redisKeyPrefix}apikey-rate:`;
  }

  consume(keyId: string, limitPerMinute: number): RateDecision | Promise<RateDecision> {
    return this.redis ? this.consumeInRedis(keyId, limitPerMinute) : this.consumeInMemory(keyId, limitPerMinute);
  }

  private consumeInMemory(keyId: string, limit: number, now = Date.now()): RateDecision {
    let window = this.windows.get(keyId);
    if (!window || now >= window.resetAt) {
      if (!window && this.windows.size >= MEMORY_WINDOWS_BOUND) this.forgetEndedWindows(now);
      window = { count: 0, resetAt: now + WINDOW_MS };
      this.windows.set(keyId, window);
    }
    window.count++;
    return decide(window.count, limit, window.resetAt - now);
  }

  private async consumeInRedis(keyId: string, limit: number): Promise<RateDecision> {
    const redis = this.redis as NonNullable<AuthRedis>;
    try {
      const [count, ttlMs] = (await countScript.run(redis, this.redisKeyPrefix + keyId, [WINDOW_MS])) as [number, number];
      return decide(count, limit, ttlMs > 0 ? ttlMs : WINDOW_MS);
    } catch (error) {
      // The limit protects capacity, it does not authenticate: with Redis unreachable, requests pass rather than fail.
      this.warnAtMostOncePerMinute(`API key rate limit unavailable: ${String(error)}`);
      return { allowed: true };
    }
  }

  private forgetEndedWindows(now: number): void {
    for (const [keyId, window] of this.windows) if (now >= window.resetAt) this.windows.delete(keyId);
  }

  private warnAtMostOncePerMinute(message: string): void {
    const now = Date.now();
    if (now - this.lastWarningAt < WINDOW_MS) return;
    this.lastWarningAt = now;
    this.logger.warn(message);
  }
}

function decide(count: number, limit: number, msUntilReset: number): RateDecision {
  if (count <= limit) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msUntilReset / 1000)) };
}
