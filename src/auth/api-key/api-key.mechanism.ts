import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthMechanism } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { runStrategy } from '../core/passport-strategy-runner';
import { TooManyRequestsException } from '../core/too-many-requests.exception';
import { ApiKeyRateLimiter, RateDecision } from './api-key-rate-limiter';
import { API_KEY_HEADER, ApiKeyStrategy } from './api-key.strategy';
import { ApiKeyVerifier } from './api-key.verifier';

declare module '../core/auth-mechanism' {
  interface AuthMechanismNames {
    apiKey: true;
  }
}

/** `X-API-Key: <key>`, checked by passport-headerapikey (ApiKeyStrategy), then held to the key's per-minute limit. */
@Injectable()
export class ApiKeyMechanism implements AuthMechanism {
  readonly name = 'apiKey';
  readonly securityScheme = { type: 'apiKey', in: 'header', name: API_KEY_HEADER } as const;

  constructor(
    private readonly strategy: ApiKeyStrategy,
    private readonly verifier: ApiKeyVerifier,
    private readonly limiter: ApiKeyRateLimiter,
  ) {}

  carriesCredential(request: Request): boolean {
    return request.headers['x-api-key'] !== undefined;
  }

  authenticate(request: Request): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    return runStrategy<AuthPrincipal>(this.strategy, request);
  }

  afterAuthentication(principal: AuthPrincipal): void | Promise<void> {
    const limit = this.verifier.rateLimitOf(principal);
    if (!principal.apiKeyId || limit === undefined) return;
    const decision = this.limiter.consume(principal.apiKeyId, limit);
    return decision instanceof Promise ? decision.then(enforce) : enforce(decision);
  }
}

function enforce(decision: RateDecision): void {
  if (!decision.allowed) throw new TooManyRequestsException(decision.retryAfterSeconds);
}
