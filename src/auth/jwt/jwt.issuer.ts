import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { CredentialIssuer } from '../core/credential-issuer';
import type { IdentifiedUser } from '../core/identified-user';
import { JwtTokensService, TokenPair } from './jwt-tokens.service';

/** A sign-in that ends in a token pair (RFC 6749 §5.1): a new refresh-token family and its first access token. */
@Injectable()
export class JwtIssuer implements CredentialIssuer {
  readonly name = 'jwt';

  constructor(private readonly tokens: JwtTokensService) {}

  issue(identified: IdentifiedUser, request: Request): Promise<TokenPair> {
    return this.tokens.issue(identified, request);
  }
}
