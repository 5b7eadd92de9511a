import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { AuthPrincipal } from '../core/auth-principal';
import type { Request } from 'express';
import type { CredentialIssuer } from '../core/credential-issuer';
import type { IdentifiedUser } from '../core/identified-user';
import { JwtTokensService, TokenPair } from './jwt-tokens.service';

/** A sign-in that ends in a token pair (RFC 6749 §5.1): a new refresh-token family and its first access token. */
@Injectable()
export class JwtIssuer implements CredentialIssuer {
  readonly name = 'jwt';

  constructor(private readonly tokens: JwtTokensService) {}

  /** A token pair acting as the user ends with its family; the admin's own tokens were never touched. */
  async endActing(principal: AuthPrincipal, request: Request): Promise<void> {
    if (!principal.tokenFamilyId || !principal.actor) throw new UnauthorizedException('Unauthorized');
    const family = { id: principal.tokenFamilyId, userId: principal.user.id, actorId: principal.actor.id };
    await this.tokens.endActing(family, request);
  }

  issue(identified: IdentifiedUser, request: Request): Promise<TokenPair> {
    return this.tokens.issue(identified, request);
  }
}
