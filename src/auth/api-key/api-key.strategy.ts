import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { AuthPrincipal } from '../core/auth-principal';
import { ApiKeyRateLimitExceeded } from './api-key-rate-limit.exception';
import { ApiKeyRateLimiter } from './api-key-rate-limiter';
import { ApiKeyVerifier } from './api-key.verifier';

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

  async validate(presented: string): Promise<AuthPrincipal | null> {
    const key = await this.verifier.verifyApiKey(presented);
    if (!key) return null;
    const decision = await this.limiter.consume(key.keyId, key.rateLimitPerMinute);
    if (!decision.allowed) throw new ApiKeyRateLimitExceeded(decision.retryAfterSeconds);
    return key.principal;
  }
}
