import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AUTH_OPTIONS, ResolvedAuthOptions } from '../auth.options';
import { AuthPrincipal } from '../core/auth-principal';
import { deepFreeze } from '../core/deep-freeze';
import { RevocationBus, RevocationEvent } from '../core/revocation-bus';
import { sha256Hex } from '../core/secrets';
import { ApiKeyFormat } from './api-key-format';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKey } from './api-key.entity';
import { VerifiedKey, VerifiedKeyCache } from './verified-key-cache';

// A miss is cached only briefly: it spares the database a client retrying a dead key, nothing more.
const NEGATIVE_TTL_MS = 5_000;

interface LookUp {
  key: VerifiedKey | null;
  /** Set when the hash matched a key that is not usable, so its entry can be evicted with the key or its owner. */
  owner: { userId: string; keyId: string } | null;
}

/**
 * Turns a presented API key into the principal it stands for, or null. Malformed keys are refused
 * before any look-up; known keys are answered from memory, so the request path runs no query.
 */
@Injectable()
export class ApiKeyVerifier implements OnModuleInit {
  private readonly cache: VerifiedKeyCache | null;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly usage: ApiKeyUsageRecorder,
    private readonly bus: RevocationBus,
    @Inject(AUTH_OPTIONS) options: ResolvedAuthOptions,
  ) {
    const { cache, cacheTtlSeconds, cacheMaxEntries } = options.apiKeys;
    this.cache = cache
      ? new VerifiedKeyCache({
          ttlMs: cacheTtlSeconds * 1000,
          negativeTtlMs: Math.min(NEGATIVE_TTL_MS, cacheTtlSeconds * 1000),
          maxEntries: cacheMaxEntries,
        })
      : null;
  }

  onModuleInit(): void {
    this.bus.subscribe((event) => this.onRevocation(event));
  }

  /** Answers synchronously from the cache (the hot path), and with a promise when it has to look the key up. */
  verifyApiKey(presented: string): VerifiedKey | null | Promise<VerifiedKey | null> {
    if (!ApiKeyFormat.isWellFormed(presented)) return null;
    const hash = sha256Hex(presented);
    const known = this.fromCache(hash);
    if (known !== undefined) return known;
    return this.cache ? this.lookUpAndCache(hash) : this.verifyWithoutCache(hash);
  }

  /** What memory can tell: null for a malformed key, a cached key or miss, or undefined when only the database can. */
  cachedAnswer(presented: string): VerifiedKey | null | undefined {
    return ApiKeyFormat.isWellFormed(presented) ? this.fromCache(sha256Hex(presented)) : null;
  }

  private fromCache(hash: string): VerifiedKey | null | undefined {
    const cached = this.cache?.get(hash);
    if (cached) this.usage.recordUse(cached.keyId);
    return cached;
  }

  private async lookUpAndCache(hash: string): Promise<VerifiedKey | null> {
    const cache = this.cache as NonNullable<typeof this.cache>;
    const since = cache.snapshot();
    const found = await this.lookUp(hash);
    if (found.key) {
      cache.set(hash, found.key, since);
      this.usage.recordUse(found.key.keyId);
    } else {
      cache.setMiss(hash, found.owner, since);
    }
    return found.key;
  }

  /** Drops whatever this instance remembers about the hash (a new key must work at once). */
  forgetHash(hash: string): void {
    this.cache?.evict(hash);
  }

  private async verifyWithoutCache(hash: string): Promise<VerifiedKey | null> {
    const { key } = await this.lookUp(hash);
    if (key) await this.usage.writeNow(key.keyId);
    return key;
  }

  private onRevocation(event: RevocationEvent): void {
    if (event.type === 'apiKey') this.cache?.evictKey(event.id);
    // Enabling drops the owner's cached misses too, so their keys work again at once.
    if (event.type === 'userStatus') this.cache?.evictUser(event.id);
  }

  private async lookUp(hash: string, now = Date.now()): Promise<LookUp> {
    const row = await this.keys
      .createQueryBuilder('key')
      .innerJoin('key.owner', 'owner')
      .select(['key.id', 'key.userId', 'key.scopes', 'key.rateLimitPerMinute', 'key.expiresAt', 'key.revokedAt'])
      .addSelect(['owner.id', 'owner.email', 'owner.roles', 'owner.disabledAt'])
      .where('key.keyHash = :hash', { hash })
      .getOne();
    if (!row?.owner) return { key: null, owner: null };
    const expiresAt = row.expiresAt?.getTime() ?? null;
    const usable = !row.revokedAt && (expiresAt === null || expiresAt > now) && !row.owner.disabledAt;
    if (!usable) return { key: null, owner: { userId: row.userId, keyId: row.id } };
    const principal: AuthPrincipal = {
      // The owner's current roles, never more: a key cannot grant what its owner could not do.
      user: { id: row.owner.id, email: row.owner.email, roles: [...row.owner.roles] },
      via: 'apiKey',
      apiKeyId: row.id,
      scopes: [...row.scopes],
    };
    return {
      key: { principal: deepFreeze(principal), keyId: row.id, userId: row.userId, rateLimitPerMinute: row.rateLimitPerMinute, expiresAt },
      owner: null,
    };
  }
}
