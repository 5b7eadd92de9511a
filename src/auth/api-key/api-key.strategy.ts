import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { AuthPrincipal } from '../core/auth-principal';
import { privatePassportInstance } from '../core/passport-strategy-runner';
import { ApiKeyVerifier } from './api-key.verifier';

export const API_KEY_HEADER = 'X-API-Key';

/**
 * Authenticates by the `X-API-Key` header only (a key in a query string would end up in access logs,
 * so it is ignored). Bad checksums, unknown, expired and revoked keys all fail alike with 401.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, 'apiKey') {
  constructor(private readonly verifier: ApiKeyVerifier) {
    super({ header: API_KEY_HEADER, prefix: '' }, false);
  }

  getPassportInstance() {
    return privatePassportInstance();
  }

  /**
   * A key memory knows is answered at once, with no promise and without passport-headerapikey's set-up
   * (it builds a RegExp for the header prefix on every call); any other goes the library's way, to `validate`.
   */
  authenticate(request: Request, options?: object): void {
    const presented = request.headers['x-api-key'];
    const known = typeof presented === 'string' ? this.verifier.cachedAnswer(presented) : undefined;
    if (known === undefined) return super.authenticate(request, options);
    if (known) this.success(known.principal);
    else this.fail(401);
  }

  validate(presented: string): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    const key = this.verifier.verifyApiKey(presented);
    return key instanceof Promise ? key.then((found) => found?.principal ?? null) : (key?.principal ?? null);
  }
}
