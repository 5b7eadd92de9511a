import { deepFreeze } from '../core/deep-freeze';
import { AccessTokenClaims } from './access-token-claims';

/**
 * Access tokens whose signature and claims were verified, keyed by the whole token, so a token seen
 * before costs a map look-up instead of a signature check. An entry never outlives the token's `exp`;
 * revocation is checked on every request in front of it, so the cache can never serve a revoked token.
 * Bounded: the oldest entry makes room for a new one. Entries are frozen: every request with the token
 * shares them (the principal's roles are the cached array).
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, AccessTokenClaims>();

  constructor(private readonly maxEntries: number) {}

  get(token: string, nowSeconds = Date.now() / 1000): AccessTokenClaims | undefined {
    const claims = this.entries.get(token);
    if (!claims) return undefined;
    if (claims.exp <= nowSeconds) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  set(token: string, claims: AccessTokenClaims): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, deepFreeze(claims));
  }

  delete(token: string): void {
    this.entries.delete(token);
  }

  get size(): number {
    return this.entries.size;
  }
}
