import { AuthPrincipal } from '../core/auth-principal';
import { VerifiedCredentialCache, VerifiedCredentialCacheLimits } from '../core/verified-credential-cache';

/** What a verified key resolves to, kept in memory so a request with a known key runs no query. */
export interface VerifiedKey {
  principal: AuthPrincipal;
  keyId: string;
  userId: string;
  rateLimitPerMinute: number;
  /** Epoch ms of the key's own expiry (rotation grace end included), or null. */
  expiresAt: number | null;
}

export type VerifiedKeyCacheLimits = VerifiedCredentialCacheLimits;

/** Verified keys by the SHA-256 of the key (never the key itself), never past the key's own expiry. */
export class VerifiedKeyCache extends VerifiedCredentialCache<VerifiedKey> {
  set(hash: string, key: VerifiedKey, since: number, now = Date.now()): void {
    this.put(hash, key, { userId: key.userId, credentialId: key.keyId }, key.expiresAt, since, now);
  }

  setMiss(hash: string, owner: { userId: string; keyId: string } | null, since: number, now = Date.now()): void {
    this.putMiss(hash, owner && { userId: owner.userId, credentialId: owner.keyId }, since, now);
  }

  evictKey(keyId: string): void {
    this.evictCredential(keyId);
  }
}
