import { Inject, Injectable } from '@nestjs/common';
import { LuaScript } from '../core/lua-script';
import { AUTH_REDIS, AuthRedis } from '../core/redis.provider';
import { REDIS_OPTIONS, ResolvedRedisOptions } from '../core/redis.options';
import { sha256Hex } from '../core/secrets';
import { EMAIL_OPTIONS, ResolvedEmailOptions } from './email.options';
import { normalizeEmail } from '../core/email-address';

const WINDOW_MS = 60 * 60_000;
const MAX_TRACKED = 100_000;

// One key per address and kind (single-key, so it works on Redis Cluster); INCR and PEXPIRE together.
const COUNT = new LuaScript(`
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`);

export type MailAllowance = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * At most `mailsPerHour` mails of one kind to one address per hour: in Redis when configured, so
 * every instance counts together, in process memory otherwise. Addresses are counted by their
 * SHA-256, never by the address.
 */
@Injectable()
export class MailLimits {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    @Inject(AUTH_REDIS) private readonly redis: AuthRedis | null,
    @Inject(REDIS_OPTIONS) private readonly redisOptions: ResolvedRedisOptions,
    @Inject(EMAIL_OPTIONS) private readonly options: ResolvedEmailOptions,
  ) {}

  /** Counts a mail to the address; refused once the hour's allowance is spent. Throws when Redis cannot count (fail closed). */
  async take(kind: string, address: string, now = Date.now()): Promise<MailAllowance> {
    const key = `${kind}:${sha256Hex(normalizeEmail(address))}`;
    const { count, msLeft } = this.redis ? await this.countInRedis(key) : this.countInMemory(key, now);
    if (count <= this.options.mailsPerHour) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)) };
  }

  private async countInRedis(key: string): Promise<{ count: number; msLeft: number }> {
    const [count, pttl] = (await COUNT.run(this.redis as AuthRedis, `${this.redisOptions.keyPrefix}mail-limit:${key}`, [
      WINDOW_MS,
    ])) as [number, number];
    return { count: Number(count), msLeft: pttl > 0 ? Number(pttl) : WINDOW_MS };
  }

  private countInMemory(key: string, now: number): { count: number; msLeft: number } {
    let window = this.windows.get(key);
    if (!window || now >= window.resetAt) {
      if (this.windows.size >= MAX_TRACKED)
        for (const [k, w] of this.windows) if (now >= w.resetAt) this.windows.delete(k);
      if (this.windows.size >= MAX_TRACKED) this.windows.delete(this.windows.keys().next().value as string);
      window = { count: 0, resetAt: now + WINDOW_MS };
      this.windows.set(key, window);
    }
    window.count++;
    return { count: window.count, msLeft: window.resetAt - now };
  }
}
