import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
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

  /** Reached only for a key memory could not answer (ApiKeyMechanism asks the cache first). */
  validate(presented: string): Promise<AuthPrincipal | null> {
    return this.verifier.lookUpPresented(presented).then((found) => found?.principal ?? null);
  }
}
