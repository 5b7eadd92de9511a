import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { AuthPrincipal } from '../core/auth-principal';
import { ApiKeyRateLimitExceeded } from './api-key-rate-limit.exception';
import { ApiKeyRateLimiter, RateDecision } from './api-key-rate-limiter';
import { ApiKeyVerifier } from './api-key.verifier';
import { VerifiedKey } from './verified-key-cache';

export const API_KEY_HEADER = 'X-API-Key';

/**
 * Authenticates by the `X-API-Key` header only (a key in a query string would end up in access logs,
 * so it is ignored). Bad checksums, unknown, expired and revoked keys all fail alike with 401.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, 'apiKey') {
  constructor(
    private readonly verifier: ApiKeyVerifier,
    private readonly limiter: ApiKeyRateLimiter,
  ) {
    super({ header: API_KEY_HEADER, prefix: '' }, false);
  }

  // Synchronous where the cache and the in-memory limiter answer, so a known key costs no extra turns of the event loop.
  validate(presented: string): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    const key = this.verifier.verifyApiKey(presented);
    return key instanceof Promise ? key.then((found) => this.admit(found)) : this.admit(key);
  }

  private admit(key: VerifiedKey | null): AuthPrincipal | null | Promise<AuthPrincipal> {
    if (!key) return null;
    const decision = this.limiter.consume(key.keyId, key.rateLimitPerMinute);
    return decision instanceof Promise ? decision.then((d) => this.principalIfAllowed(key, d)) : this.principalIfAllowed(key, decision);
  }

  private principalIfAllowed(key: VerifiedKey, decision: RateDecision): AuthPrincipal {
    if (!decision.allowed) throw new ApiKeyRateLimitExceeded(decision.retryAfterSeconds);
    return key.principal;
  }
}
