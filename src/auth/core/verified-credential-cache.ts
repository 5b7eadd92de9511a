export interface VerifiedCredentialCacheLimits {
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
}

/** Who a cached answer belongs to, so that revoking the credential or its user drops it. */
export interface CredentialOwner {
  userId: string | null;
  credentialId: string | null;
}

interface Entry<T> extends CredentialOwner {
  /** null: the credential is known to admit nothing (unknown, revoked, expired, or its owner disabled). */
  value: T | null;
  validUntil: number;
}

/**
 * Verified credentials (API keys by hash, certificates by fingerprint) kept in memory so that a request
 * with a known credential runs no query: bounded in size and age, never past the credential's own
 * expiry. Misses are kept apart, in a bound of their own, so that a flood of forged credentials can
 * only push out other misses, never a verified one. Every eviction bumps a generation, so that a
 * look-up which read the database before a revocation cannot put the stale answer back afterwards.
 */
export class VerifiedCredentialCache<T> {
  private readonly hits = new Map<string, Entry<T>>();
  private readonly misses = new Map<string, Entry<T>>();
  private generation = 0;

  constructor(private readonly limits: VerifiedCredentialCacheLimits) {}

  get size(): number {
    return this.hits.size + this.misses.size;
  }

  /** The cached answer: the credential, null for a known miss, undefined when a look-up is needed. */
  get(id: string, now = Date.now()): T | null | undefined {
    const entry = this.hits.get(id) ?? this.misses.get(id);
    if (!entry) return undefined;
    if (now >= entry.validUntil) {
      this.hits.delete(id);
      this.misses.delete(id);
      return undefined;
    }
    return entry.value;
  }

  /** A token to pass to `put` or `putMiss`: the store is skipped if anything was evicted in between. */
  snapshot(): number {
    return this.generation;
  }

  /** Kept until the TTL or `expiresAt` (epoch ms), whichever comes first. */
  put(id: string, value: T, owner: CredentialOwner, expiresAt: number | null, since: number, now = Date.now()): void {
    const validUntil = Math.min(now + this.limits.ttlMs, expiresAt ?? Infinity);
    this.store(id, { value, ...owner, validUntil }, since, now);
  }

  /** `owner`: of a credential that is not usable now, so that enabling its user drops the miss. */
  putMiss(id: string, owner: CredentialOwner | null, since: number, now = Date.now()): void {
    const entry = {
      value: null,
      userId: owner?.userId ?? null,
      credentialId: owner?.credentialId ?? null,
      validUntil: now + this.limits.negativeTtlMs,
    };
    this.store(id, entry, since, now);
  }

  evict(id: string): void {
    this.generation++;
    this.hits.delete(id);
    this.misses.delete(id);
  }

  evictCredential(credentialId: string): void {
    this.evictWhere((entry) => entry.credentialId === credentialId);
  }

  evictUser(userId: string): void {
    this.evictWhere((entry) => entry.userId === userId);
  }

  clear(): void {
    this.generation++;
    this.hits.clear();
    this.misses.clear();
  }

  private evictWhere(matches: (entry: Entry<T>) => boolean): void {
    this.generation++;
    for (const map of [this.hits, this.misses]) for (const [id, entry] of map) if (matches(entry)) map.delete(id);
  }

  private store(id: string, entry: Entry<T>, since: number, now: number): void {
    if (since !== this.generation || entry.validUntil <= now) return;
    this.hits.delete(id);
    this.misses.delete(id);
    const map = entry.value ? this.hits : this.misses;
    if (map.size >= this.limits.maxEntries) makeRoom(map, this.limits.maxEntries, now);
    map.set(id, entry);
  }
}

/** Drops expired entries, then the oldest ones (a Map iterates in insertion order) down to 90% of the bound. */
function makeRoom<T>(map: Map<string, Entry<T>>, maxEntries: number, now: number): void {
  for (const [id, entry] of map) if (entry.validUntil <= now) map.delete(id);
  const target = Math.floor(maxEntries * 0.9);
  for (const id of map.keys()) {
    if (map.size <= target) break;
    map.delete(id);
  }
}
