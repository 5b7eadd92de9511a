import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
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

  /**
   * A key memory knows is answered at once, with no promise and without passport-headerapikey's set-up
   * (it builds a RegExp for the header prefix on every call); any other goes the library's way, to `validate`.
   */
  authenticate(request: Request, options?: object): void {
    const presented = request.headers['x-api-key'];
    const known = typeof presented === 'string' ? this.verifier.cachedAnswer(presented) : undefined;
    if (known === undefined) return super.authenticate(request, options);
    try {
      this.settle(this.admit(known));
    } catch (error) {
      this.error(error as Error);
    }
  }

  validate(presented: string): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    const key = this.verifier.verifyApiKey(presented);
    return key instanceof Promise ? key.then((found) => this.admit(found)) : this.admit(key);
  }

  private settle(outcome: AuthPrincipal | null | Promise<AuthPrincipal | null>): void {
    if (!(outcome instanceof Promise)) return outcome ? this.success(outcome) : this.fail(401);
    outcome.then(
      (principal) => this.settle(principal),
      (error: unknown) => this.error(error as Error),
    );
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
