import { AuthPrincipal } from '../core/auth-principal';
import { deepFreeze } from '../core/deep-freeze';
import { AccessTokenClaims, principalFromClaims } from './access-token-claims';

/** A verified token's claims, and the principal they stand for, built once and shared by every request with it. */
export interface VerifiedToken {
  readonly claims: AccessTokenClaims;
  readonly principal: AuthPrincipal;
}

/**
 * Access tokens whose signature and claims were verified, keyed by the whole token, so a token seen
 * before costs a map look-up instead of a signature check. An entry never outlives the token's `exp`;
 * revocation is checked on every request in front of it, so the cache can never serve a revoked token.
 * Bounded: the oldest entry makes room for a new one. Entries are frozen: every request with the token
 * shares them (the principal's roles are the cached array).
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, VerifiedToken>();

  constructor(private readonly maxEntries: number) {}

  get(token: string, nowSeconds = Date.now() / 1000): VerifiedToken | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.claims.exp <= nowSeconds) {
      this.entries.delete(token);
      return undefined;
    }
    return entry;
  }

  set(token: string, claims: AccessTokenClaims): VerifiedToken {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    const frozen = deepFreeze(claims);
    const entry = deepFreeze({ claims: frozen, principal: principalFromClaims(frozen) });
    this.entries.set(token, entry);
    return entry;
  }

  delete(token: string): void {
    this.entries.delete(token);
  }

  get size(): number {
    return this.entries.size;
  }
}
