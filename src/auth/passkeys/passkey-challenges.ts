import { Inject, Injectable } from '@nestjs/common';
import { AUTH_REDIS, AuthRedis } from '../core/redis.provider';
import { REDIS_OPTIONS, ResolvedRedisOptions } from '../core/redis.options';
import { randomToken, sha256Hex } from '../core/secrets';
import { PASSKEY_OPTIONS, ResolvedPasskeyOptions } from './passkeys.options';

/** What a challenge was issued for: registering a passkey for a signed-in user, or a sign-in. */
export type CeremonyPurpose = 'register' | 'login';

/** Embedded mode keeps at most this many live challenges; past it the oldest go first (sign-in options are public). */
const MAX_IN_MEMORY = 10_000;

/**
 * Challenges of WebAuthn ceremonies: 256 random bits, each answered at most once, within five minutes.
 * With Redis every instance sees them, and GETDEL takes one atomically: of two requests answering
 * the same challenge, one gets it. Without Redis the module runs as one instance, so process memory
 * is enough: a challenge lost to a restart only makes the user try again, and a table would add a
 * write for every public, unauthenticated options request. Keys hold the SHA-256 of the challenge,
 * never the challenge itself.
 */
@Injectable()
export class PasskeyChallenges {
  private readonly inMemory = new Map<string, { subject: string; expiresAt: number }>();

  constructor(
    @Inject(AUTH_REDIS) private readonly redis: AuthRedis | null,
    @Inject(REDIS_OPTIONS) private readonly redisOptions: ResolvedRedisOptions,
    @Inject(PASSKEY_OPTIONS) private readonly options: Pick<ResolvedPasskeyOptions, 'challengeTtlSeconds'>,
  ) {}

  /** A new challenge for the purpose, bound to `subject` (the user registering, or '' for a sign-in by anyone). */
  async issue(purpose: CeremonyPurpose, subject: string, now = Date.now()): Promise<string> {
    const challenge = randomToken(32);
    const key = this.keyOf(purpose, challenge);
    const ttlMs = this.options.challengeTtlSeconds * 1000;
    if (this.redis) {
      await this.redis.set(key, subject, { expiration: { type: 'PX', value: ttlMs } });
    } else {
      this.evictForOneMore(now);
      this.inMemory.set(key, { subject, expiresAt: now + ttlMs });
    }
    return challenge;
  }

  /** The subject of a live challenge of this purpose, which this call spends; null when unknown, spent or expired. */
  async take(purpose: CeremonyPurpose, challenge: string, now = Date.now()): Promise<string | null> {
    const key = this.keyOf(purpose, challenge);
    if (this.redis) return await this.redis.getDel(key);
    const entry = this.inMemory.get(key);
    this.inMemory.delete(key);
    return entry && entry.expiresAt > now ? entry.subject : null;
  }

  private keyOf(purpose: CeremonyPurpose, challenge: string): string {
    return `${this.redisOptions.keyPrefix}passkey-challenge:${purpose}:${sha256Hex(challenge)}`;
  }

  private evictForOneMore(now: number): void {
    if (this.inMemory.size < MAX_IN_MEMORY) return;
    for (const [key, entry] of this.inMemory) if (entry.expiresAt <= now) this.inMemory.delete(key);
    // Insertion order is issue order: the first key is the oldest challenge.
    while (this.inMemory.size >= MAX_IN_MEMORY) this.inMemory.delete(this.inMemory.keys().next().value as string);
  }
}
