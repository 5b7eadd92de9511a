import { AuthPrincipal } from '../core/auth-principal';

/** What a verified key resolves to, kept in memory so a request with a known key runs no query. */
export interface VerifiedKey {
  principal: AuthPrincipal;
  keyId: string;
  userId: string;
  rateLimitPerMinute: number;
  /** Epoch ms of the key's own expiry (rotation grace end included), or null. */
  expiresAt: number | null;
}

interface Entry {
  /** null: the hash belongs to no usable key (unknown, revoked, expired or its owner disabled). */
  key: VerifiedKey | null;
  userId: string | null;
  keyId: string | null;
  validUntil: number;
}

export interface VerifiedKeyCacheLimits {
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
}

/**
 * Verified keys by the SHA-256 of the key (never the key itself), bounded in size and age, and never
 * past the key's own expiry. Misses are kept apart, in a bound of their own, so that a flood of
 * forged keys can only push out other misses, never a verified key. Evictions bump a generation so
 * that a look-up which read the database before a revocation cannot put the stale row back afterwards.
 */
export class VerifiedKeyCache {
  private readonly keys = new Map<string, Entry>();
  private readonly misses = new Map<string, Entry>();
  private generation = 0;

  constructor(private readonly limits: VerifiedKeyCacheLimits) {}

  get size(): number {
    return this.keys.size + this.misses.size;
  }

  /** The cached answer for the hash: a key, null for a known miss, undefined when a look-up is needed. */
  get(hash: string, now = Date.now()): VerifiedKey | null | undefined {
    const entry = this.keys.get(hash) ?? this.misses.get(hash);
    if (!entry) return undefined;
    if (now >= entry.validUntil) {
      this.keys.delete(hash);
      this.misses.delete(hash);
      return undefined;
    }
    return entry.key;
  }

  /** A token to pass to `set` or `setMiss`: the store is skipped if anything was evicted in between. */
  snapshot(): number {
    return this.generation;
  }

  set(hash: string, key: VerifiedKey, since: number, now = Date.now()): void {
    const validUntil = Math.min(now + this.limits.ttlMs, key.expiresAt ?? Infinity);
    this.store(hash, { key, userId: key.userId, keyId: key.keyId, validUntil }, since, now);
  }

  setMiss(hash: string, owner: { userId: string; keyId: string } | null, since: number, now = Date.now()): void {
    const entry = {
      key: null,
      userId: owner?.userId ?? null,
      keyId: owner?.keyId ?? null,
      validUntil: now + this.limits.negativeTtlMs,
    };
    this.store(hash, entry, since, now);
  }

  evict(hash: string): void {
    this.generation++;
    this.keys.delete(hash);
    this.misses.delete(hash);
  }

  evictKey(keyId: string): void {
    this.evictWhere((entry) => entry.keyId === keyId);
  }

  evictUser(userId: string): void {
    this.evictWhere((entry) => entry.userId === userId);
  }

  clear(): void {
    this.generation++;
    this.keys.clear();
    this.misses.clear();
  }

  private evictWhere(matches: (entry: Entry) => boolean): void {
    this.generation++;
    for (const map of [this.keys, this.misses]) for (const [hash, entry] of map) if (matches(entry)) map.delete(hash);
  }

  private store(hash: string, entry: Entry, since: number, now: number): void {
    if (since !== this.generation || entry.validUntil <= now) return;
    this.keys.delete(hash);
    this.misses.delete(hash);
    const map = entry.key ? this.keys : this.misses;
    if (map.size >= this.limits.maxEntries) makeRoom(map, this.limits.maxEntries, now);
    map.set(hash, entry);
  }
}

/** Drops expired entries, then the oldest ones (a Map iterates in insertion order) down to 90% of the bound. */
function makeRoom(map: Map<string, Entry>, maxEntries: number, now: number): void {
  for (const [hash, entry] of map) if (entry.validUntil <= now) map.delete(hash);
  const target = Math.floor(maxEntries * 0.9);
  for (const hash of map.keys()) {
    if (map.size <= target) break;
    map.delete(hash);
  }
}
