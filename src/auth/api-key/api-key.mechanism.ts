import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthMechanism } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { clientAddressKey } from '../core/client-address';
import { runStrategy } from '../core/passport-strategy-runner';
import { TooManyRequestsException } from '../core/too-many-requests.exception';
import { ApiKeyRateLimiter, RateDecision } from './api-key-rate-limiter';
import { API_KEY_HEADER, ApiKeyStrategy } from './api-key.strategy';
import { ApiKeyVerifier } from './api-key.verifier';
import { ApiKeysService } from './api-keys.service';
import { API_KEY_OPTIONS, ResolvedApiKeyOptions } from './api-key.options';
import { UnknownKeyBudget } from './unknown-key-budget';

declare module '../core/auth-mechanism' {
  interface AuthMechanismNames {
    apiKey: true;
  }
}

/** `X-API-Key: <key>`, checked by passport-headerapikey (ApiKeyStrategy), then held to the key's per-minute limit. */
@Injectable()
export class ApiKeyMechanism implements AuthMechanism {
  readonly name = 'apiKey';
  readonly caller = 'service';
  readonly securityScheme = { type: 'apiKey', in: 'header', name: API_KEY_HEADER } as const;

  private readonly unknownKeys: UnknownKeyBudget;

  constructor(
    private readonly strategy: ApiKeyStrategy,
    private readonly verifier: ApiKeyVerifier,
    private readonly limiter: ApiKeyRateLimiter,
    private readonly keys: ApiKeysService,
    @Inject(API_KEY_OPTIONS) options: ResolvedApiKeyOptions,
  ) {
    this.unknownKeys = new UnknownKeyBudget(options.unknownKeyLookupsPerMinute);
  }

  carriesCredential(request: Request): boolean {
    return request.headers['x-api-key'] !== undefined;
  }

  /**
   * A key memory can answer decides at once, and the index of known keys refuses one that cannot
   * exist without a query; a key in the index always reaches the store. Only while the index cannot
   * tell (not loaded, or the revocation log unreadable) does a client address (an IPv6 /64) have a
   * budget of look-ups that find no usable key, past which its keys that nothing vouches for get 429.
   */
  authenticate(request: Request): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    if (this.unknownKeys.anyBlocked()) this.holdBackIfOverBudget(request);
    const presented = request.headers['x-api-key'];
    if (typeof presented !== 'string') return null;
    // Memory first, without Passport's per-request set-up: a known key costs one hash and a map look-up.
    const known = this.verifier.cachedAnswer(presented);
    if (known !== undefined) return known?.principal ?? null;
    const outcome = runStrategy<AuthPrincipal>(this.strategy, request);
    if (!(outcome instanceof Promise)) return outcome;
    return outcome.then((principal) => {
      if (!principal && this.lookedUpBlind(request)) this.unknownKeys.recordMiss(clientAddressKey(request.ip));
      return principal;
    });
  }

  private holdBackIfOverBudget(request: Request): void {
    const wait = this.unknownKeys.retryAfter(clientAddressKey(request.ip));
    if (wait > 0 && this.lookedUpBlind(request)) throw new TooManyRequestsException(wait);
  }

  private lookedUpBlind(request: Request): boolean {
    const presented = request.headers['x-api-key'];
    return typeof presented === 'string' && this.verifier.wouldLookUpBlind(presented);
  }

  async endCredentialsMadeBefore(userId: string, before: Date, keep?: AuthPrincipal): Promise<void> {
    await this.keys.revokeAllMadeBefore(userId, before, keep?.apiKeyId);
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
