import { Inject, Injectable } from '@nestjs/common';
import { LuaScript } from './lua-script';
import { AUTH_REDIS, AuthRedis } from './redis.provider';
import { REDIS_OPTIONS, ResolvedRedisOptions } from './redis.options';

/** Deletes the key only while it still holds the caller's value: a lease that expired and went to another is theirs. */
const RELEASE = new LuaScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
);

/** Embedded mode keeps at most this many live keys; past it the oldest go first. */
const MAX_IN_MEMORY = 100_000;

/**
 * Keys that live for minutes and are each taken or claimed once: challenges of a ceremony, marks of a
 * credential already spent. With Redis every instance sees them and each operation is one atomic
 * command (GETDEL, SET NX), so of two requests racing for a key, one wins. Without Redis the module
 * runs as one instance and process memory is enough: a key lost to a restart only makes the user try
 * again, and a table would add a write to public, unauthenticated requests. Callers name keys by a
 * hash, never by the secret itself; the module's key prefix is added here.
 */
@Injectable()
export class ShortLivedKeys {
  private readonly inMemory = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    @Inject(AUTH_REDIS) private readonly redis: AuthRedis | null,
    @Inject(REDIS_OPTIONS) private readonly redisOptions: ResolvedRedisOptions,
  ) {}

  async put(key: string, value: string, ttlMs: number, now = Date.now()): Promise<void> {
    const name = this.nameOf(key);
    if (this.redis) {
      await this.redis.set(name, value, { expiration: { type: 'PX', value: ttlMs } });
      return;
    }
    this.inMemory.delete(name);
    this.keepInMemory(name, value, ttlMs, now);
  }

  /** Sets the key to `value` unless it is live: true for the one call that set it, false while it lives. */
  async claim(key: string, ttlMs: number, now = Date.now(), value = '1'): Promise<boolean> {
    const name = this.nameOf(key);
    if (this.redis)
      return (
        (await this.redis.set(name, value, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } })) === 'OK'
      );
    const entry = this.inMemory.get(name);
    if (entry && entry.expiresAt > now) return false;
    this.inMemory.delete(name);
    this.keepInMemory(name, value, ttlMs, now);
    return true;
  }

  /** Deletes a key claimed with `value`, unless it has expired and been claimed again since. */
  async release(key: string, value: string): Promise<void> {
    const name = this.nameOf(key);
    if (this.redis) {
      await RELEASE.run(this.redis, name, [value]);
      return;
    }
    if (this.inMemory.get(name)?.value === value) this.inMemory.delete(name);
  }

  /** The value of a live key, which this call deletes; null when unknown, taken or expired. */
  async take(key: string, now = Date.now()): Promise<string | null> {
    const name = this.nameOf(key);
    if (this.redis) return await this.redis.getDel(name);
    const entry = this.inMemory.get(name);
    this.inMemory.delete(name);
    return entry && entry.expiresAt > now ? entry.value : null;
  }

  private nameOf(key: string): string {
    return `${this.redisOptions.keyPrefix}${key}`;
  }

  private keepInMemory(name: string, value: string, ttlMs: number, now: number): void {
    if (this.inMemory.size >= MAX_IN_MEMORY) {
      for (const [key, entry] of this.inMemory) if (entry.expiresAt <= now) this.inMemory.delete(key);
      // Insertion order is the order keys were set in: the first is the oldest.
      while (this.inMemory.size >= MAX_IN_MEMORY) this.inMemory.delete(this.inMemory.keys().next().value as string);
    }
    this.inMemory.set(name, { value, expiresAt: now + ttlMs });
  }
}
