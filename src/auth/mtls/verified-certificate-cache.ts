import { AuthPrincipal } from '../core/auth-principal';

/** What a registered certificate resolves to, kept in memory so a request with a known certificate runs no query. */
export interface VerifiedBinding {
  principal: AuthPrincipal;
  certificateId: string;
  userId: string;
}

interface Entry {
  /** null: the fingerprint is bound to nothing usable (unknown, revoked, or its owner disabled or gone). */
  binding: VerifiedBinding | null;
  userId: string | null;
  validUntil: number;
}

export interface VerifiedCertificateCacheLimits {
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
}

/**
 * Bindings by certificate fingerprint, bounded in size and age, and never past the certificate's
 * `notAfter`. As in the API-key cache, misses are kept apart so that unknown certificates can only
 * push out other misses, and every eviction bumps a generation so that a look-up which read the
 * database before a revocation cannot put the stale binding back afterwards.
 */
export class VerifiedCertificateCache {
  private readonly hits = new Map<string, Entry>();
  private readonly misses = new Map<string, Entry>();
  private generation = 0;

  constructor(private readonly limits: VerifiedCertificateCacheLimits) {}

  get size(): number {
    return this.hits.size + this.misses.size;
  }

  /** The binding, null for a known miss, undefined when a look-up is needed. */
  get(fingerprint: string, now = Date.now()): VerifiedBinding | null | undefined {
    const entry = this.hits.get(fingerprint) ?? this.misses.get(fingerprint);
    if (!entry) return undefined;
    if (now >= entry.validUntil) {
      this.hits.delete(fingerprint);
      this.misses.delete(fingerprint);
      return undefined;
    }
    return entry.binding;
  }

  /** A token to pass to `set` or `setMiss`: the store is skipped if anything was evicted in between. */
  snapshot(): number {
    return this.generation;
  }

  set(fingerprint: string, binding: VerifiedBinding, notAfter: number, since: number, now = Date.now()): void {
    const validUntil = Math.min(now + this.limits.ttlMs, notAfter);
    this.store(fingerprint, { binding, userId: binding.userId, validUntil }, since, now);
  }

  /** `userId`: the owner of a binding that is not usable now, so that enabling them drops the miss. */
  setMiss(fingerprint: string, userId: string | null, since: number, now = Date.now()): void {
    this.store(fingerprint, { binding: null, userId, validUntil: now + this.limits.negativeTtlMs }, since, now);
  }

  evict(fingerprint: string): void {
    this.generation++;
    this.hits.delete(fingerprint);
    this.misses.delete(fingerprint);
  }

  evictUser(userId: string): void {
    this.generation++;
    for (const map of [this.hits, this.misses])
      for (const [fingerprint, entry] of map) if (entry.userId === userId) map.delete(fingerprint);
  }

  private store(fingerprint: string, entry: Entry, since: number, now: number): void {
    if (since !== this.generation || entry.validUntil <= now) return;
    this.hits.delete(fingerprint);
    this.misses.delete(fingerprint);
    const map = entry.binding ? this.hits : this.misses;
    if (map.size >= this.limits.maxEntries) makeRoom(map, this.limits.maxEntries, now);
    map.set(fingerprint, entry);
  }
}

/** Drops expired entries, then the oldest ones (a Map iterates in insertion order) down to 90% of the bound. */
function makeRoom(map: Map<string, Entry>, maxEntries: number, now: number): void {
  for (const [fingerprint, entry] of map) if (entry.validUntil <= now) map.delete(fingerprint);
  const target = Math.floor(maxEntries * 0.9);
  for (const fingerprint of map.keys()) {
    if (map.size <= target) break;
    map.delete(fingerprint);
  }
}
