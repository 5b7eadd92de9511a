import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { LuaScript } from '../core/lua-script';
import { AUTH_REDIS, AuthRedis } from '../core/redis.provider';
import { REDIS_OPTIONS, ResolvedRedisOptions } from '../core/redis.options';

const WINDOW_MS = 60_000;
const MEMORY_WINDOWS_BOUND = 10_000;
/** Limits from this size up may be counted partly in the instance between batches; smaller ones are always exact. */
export const MIN_LIMIT_FOR_LOCAL_COUNTING = 100;
/** Share of a limit one instance may admit before Redis hears of it. */
const LOCAL_SHARE = 0.05;
const FLUSH_INTERVAL_MS = 100;

// One key per API key, so it works unchanged on Redis Cluster; INCRBY and PEXPIRE are atomic together.
const countScript = new LuaScript(`
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`);

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };
const ALLOWED: RateDecision = { allowed: true };

/** What this instance knows of a key's shared window in Redis, and what it admitted since. */
interface SharedWindow {
  known: number;
  inFlight: number;
  pending: number;
  resetAt: number;
}

/**
 * Per-key requests per minute in fixed windows: in Redis when configured, so every instance shares
 * one count, in process memory otherwise. With Redis, a request far from its key's limit is admitted
 * on what the instance knows and counted in Redis with the next batch (every 100 ms), so the hot
 * path does no Redis round trip; within one local share (5%) of the limit, and for limits under
 * 100 a minute, every request is counted in Redis before it is admitted. Across N instances a key
 * can so exceed its limit by at most (N - 1) x 5%.
 */
@Injectable()
export class ApiKeyRateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeyRateLimiter.name);
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly shared = new Map<string, SharedWindow>();
  private readonly redisKeyPrefix: string;
  private flushTimer?: NodeJS.Timeout;
  private lastWarningAt = 0;

  constructor(
    @Inject(AUTH_REDIS) private readonly redis: AuthRedis | null,
    @Inject(REDIS_OPTIONS) options: ResolvedRedisOptions,
  ) {
    this.redisKeyPrefix = `${options.keyPrefix}apikey-rate:`;
  }

  consume(keyId: string, limitPerMinute: number): RateDecision | Promise<RateDecision> {
    return this.redis ? this.consumeShared(keyId, limitPerMinute) : this.consumeInMemory(keyId, limitPerMinute);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flush();
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

  private consumeShared(keyId: string, limit: number, now = Date.now()): RateDecision | Promise<RateDecision> {
    let window = this.shared.get(keyId);
    if (window && now >= window.resetAt) {
      this.shared.delete(keyId);
      window = undefined;
    }
    const localShare = limit >= MIN_LIMIT_FOR_LOCAL_COUNTING ? Math.floor(limit * LOCAL_SHARE) : 0;
    if (
      window &&
      window.pending < localShare &&
      window.known + window.inFlight + window.pending + localShare <= limit
    ) {
      window.pending++;
      this.startFlushing();
      return ALLOWED;
    }
    return this.countInRedis(keyId, limit, window);
  }

  /** Counts this request, and whatever was admitted locally, in Redis now, and decides on the shared count. */
  private async countInRedis(keyId: string, limit: number, window: SharedWindow | undefined): Promise<RateDecision> {
    const amount = 1 + (window?.pending ?? 0);
    if (window) window.pending = 0;
    const result = await this.send(keyId, amount, window);
    if (!result) return ALLOWED;
    return decide(result.count, limit, result.ttlMs);
  }

  private async flush(): Promise<void> {
    const sends: Array<Promise<unknown>> = [];
    const now = Date.now();
    for (const [keyId, window] of this.shared) {
      if (window.pending === 0) {
        if (now >= window.resetAt) this.shared.delete(keyId);
        continue;
      }
      const amount = window.pending;
      window.pending = 0;
      sends.push(this.send(keyId, amount, window));
    }
    await Promise.all(sends);
  }

  /** INCRBY in Redis; keeps the instance's view of the window current. Null when Redis cannot be reached. */
  private async send(
    keyId: string,
    amount: number,
    known: SharedWindow | undefined,
  ): Promise<{ count: number; ttlMs: number } | null> {
    const window = known ?? { known: 0, inFlight: 0, pending: 0, resetAt: Date.now() + WINDOW_MS };
    window.inFlight += amount;
    try {
      const [count, pttl] = (await countScript.run(this.redis as AuthRedis, this.redisKeyPrefix + keyId, [
        WINDOW_MS,
        amount,
      ])) as [number, number];
      const ttlMs = pttl > 0 ? pttl : WINDOW_MS;
      window.known = Math.max(window.known, count);
      window.resetAt = Date.now() + ttlMs;
      if (!known) this.shared.set(keyId, window);
      return { count, ttlMs };
    } catch (error) {
      // The limit protects capacity, it does not authenticate: with Redis unreachable, requests pass rather than fail.
      this.warnAtMostOncePerMinute(`API key rate limit unavailable: ${String(error)}`);
      return null;
    } finally {
      window.inFlight -= amount;
    }
  }

  private startFlushing(): void {
    if (this.flushTimer) return;
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
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
  if (count <= limit) return ALLOWED;
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msUntilReset / 1000)) };
}
