import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuthPrincipal } from '../core/auth-principal';
import { AuthTelemetry } from '../core/auth-telemetry';
import { deepFreeze } from '../core/deep-freeze';
import { RevocationBus, RevocationEvent } from '../core/revocation-bus';
import { sha256Hex } from '../core/secrets';
import { USER_STORE, UserStore } from '../core/user-store';
import { ApiKeyFormat } from './api-key-format';
import { API_KEY_OPTIONS, ResolvedApiKeyOptions } from './api-key.options';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKey } from './api-key.entity';
import { KnownApiKeys } from './known-api-keys';
import { VerifiedKey, VerifiedKeyCache } from './verified-key-cache';

declare module '../core/revocation-bus' {
  interface RevocationEvents {
    /** An API key was revoked, expired early, or its rotation grace ended. */
    apiKey: { id: string };
  }
}

// A miss is cached only briefly: it spares the database a client retrying a dead key, nothing more.
const NEGATIVE_TTL_MS = 5_000;

interface LookUp {
  key: VerifiedKey | null;
  /** Set when the hash matched a key that is not usable, so its entry can be evicted with the key or its owner. */
  owner: { userId: string; keyId: string } | null;
}

/**
 * Turns a presented API key into the principal it stands for, or null. Malformed keys are refused
 * before any look-up; known keys are answered from memory, so the request path runs no query; keys
 * that cannot exist (not in the index of known keys) are refused without a query too.
 */
@Injectable()
export class ApiKeyVerifier implements OnModuleInit {
  private readonly cache: VerifiedKeyCache | null;
  private readonly limits = new WeakMap<AuthPrincipal, number>();
  private lastPresented: string | undefined;
  private lastHash: string | null = null;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly usage: ApiKeyUsageRecorder,
    private readonly bus: RevocationBus,
    @Inject(API_KEY_OPTIONS) options: ResolvedApiKeyOptions,
    private readonly telemetry: AuthTelemetry,
    private readonly known: KnownApiKeys,
  ) {
    const { cache, cacheTtlSeconds, cacheMaxEntries } = options;
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
    const cached = this.cachedAnswer(presented);
    return cached !== undefined ? cached : this.lookUpPresented(presented);
  }

  /**
   * The key looked up past memory (after `cachedAnswer` said only the store can tell): the index of
   * known keys refuses one that cannot exist without a query; any other is read from the store.
   */
  lookUpPresented(presented: string): Promise<VerifiedKey | null> {
    const hash = this.hashOf(presented);
    if (hash === null) return Promise.resolve(null);
    if (this.known.verdict(hash) !== 'absent') return this.lookUpInStore(hash);
    return this.known.mayExist(hash, Date.now()).then((may) => (may ? this.lookUpInStore(hash) : null));
  }

  /**
   * Whether a look-up of this key would go to the store with nothing vouching for it: not in memory,
   * and the index of known keys cannot tell (not loaded, or the revocation log unreadable). Only those
   * look-ups count against a client address's budget of unknown keys.
   */
  wouldLookUpBlind(presented: string): boolean {
    const hash = this.hashOf(presented);
    if (hash === null) return false;
    return (
      (!this.cache || !this.bus.isCurrent() || this.cache.get(hash) === undefined) &&
      this.known.verdict(hash) === 'unsure'
    );
  }

  /** What memory can tell: null for a malformed key, a cached key or miss, or undefined when only the database can. */
  cachedAnswer(presented: string): VerifiedKey | null | undefined {
    const hash = this.hashOf(presented);
    return hash === null ? null : this.fromCache(hash);
  }

  /** The per-minute limit of the key a principal of this verifier stands for. */
  rateLimitOf(principal: AuthPrincipal): number | undefined {
    return this.limits.get(principal);
  }

  /** Drops whatever this instance remembers about the hash (a new key must work at once). */
  forgetHash(hash: string): void {
    this.cache?.evict(hash);
  }

  /**
   * The SHA-256 of a well-formed key, null for a malformed one. The last answer is kept: one request
   * asks for it up to three times (memory, the index, the budget of unknown keys), and a key is hashed
   * once per request rather than once per question.
   */
  private hashOf(presented: string): string | null {
    if (presented === this.lastPresented) return this.lastHash;
    const hash = ApiKeyFormat.isWellFormed(presented) ? sha256Hex(presented) : null;
    this.lastPresented = presented;
    this.lastHash = hash;
    return hash;
  }

  private fromCache(hash: string): VerifiedKey | null | undefined {
    // While this instance may have missed a revocation, memory answers nothing and every key is looked up.
    const current = this.bus.isCurrent();
    const cached = current ? this.cache?.get(hash) : undefined;
    if (this.cache) this.telemetry.cacheLookup('api_key', cached !== undefined ? 'hit' : current ? 'miss' : 'bypass');
    if (cached) this.usage.recordUse(cached.keyId);
    return cached;
  }

  private lookUpInStore(hash: string): Promise<VerifiedKey | null> {
    return this.cache ? this.lookUpAndCache(hash) : this.verifyWithoutCache(hash);
  }

  private async lookUpAndCache(hash: string): Promise<VerifiedKey | null> {
    const cache = this.cache as VerifiedKeyCache;
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

  private async verifyWithoutCache(hash: string): Promise<VerifiedKey | null> {
    const { key } = await this.lookUp(hash);
    if (key) await this.usage.writeNow(key.keyId);
    return key;
  }

  private onRevocation(event: RevocationEvent): void {
    if (event.type === 'apiKey') this.cache?.evictKey(event.id);
    // Disabling evicts the owner's keys; enabling drops their cached misses, so their keys work again at once.
    if (event.type === 'userStatus' || event.type === 'userRoles') this.cache?.evictUser(event.id);
  }

  private async lookUp(hash: string, now = Date.now()): Promise<LookUp> {
    const row = await this.keys.findOne({
      where: { keyHash: hash },
      select: { id: true, userId: true, scopes: true, rateLimitPerMinute: true, expiresAt: true, revokedAt: true },
    });
    if (!row) return { key: null, owner: null };
    const expiresAt = row.expiresAt?.getTime() ?? null;
    const owner =
      !row.revokedAt && (expiresAt === null || expiresAt > now) ? await this.users.findById(row.userId) : null;
    if (!owner || owner.disabled) return { key: null, owner: { userId: row.userId, keyId: row.id } };
    const principal: AuthPrincipal = deepFreeze({
      // The owner's current roles, never more: a key cannot grant what its owner could not do.
      user: { id: owner.id, email: owner.email, roles: [...owner.roles] },
      via: 'apiKey',
      apiKeyId: row.id,
      scopes: [...row.scopes],
    });
    this.limits.set(principal, row.rateLimitPerMinute);
    return {
      key: { principal, keyId: row.id, userId: row.userId, rateLimitPerMinute: row.rateLimitPerMinute, expiresAt },
      owner: null,
    };
  }
}
