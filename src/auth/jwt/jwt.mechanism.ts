import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AuthMechanism } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { AuthenticationProof } from '../core/authentication-proof';
import { runStrategy } from '../core/passport-strategy-runner';
import { bearerTokenFrom } from './bearer-token';
import { JwtStrategy } from './jwt.strategy';
import { JwtTokensService, TokenPair } from './jwt-tokens.service';

declare module '../core/auth-mechanism' {
  interface AuthMechanismNames {
    jwt: true;
  }
}

const BEARER_SCHEME = /^bearer(\s|$)/i;

/** `Authorization: Bearer <access token>`, verified by passport-jwt (JwtStrategy). */
@Injectable()
export class JwtMechanism implements AuthMechanism {
  readonly name = 'jwt';
  readonly caller = 'user';
  readonly securityScheme = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } as const;
  readonly challenge = 'Bearer error="invalid_token"';

  constructor(
    private readonly strategy: JwtStrategy,
    private readonly tokens: JwtTokensService,
  ) {}

  carriesCredential(request: Request): boolean {
    return BEARER_SCHEME.test(request.headers.authorization ?? '');
  }

  /** A token verified before is answered from memory; only a new one runs passport-jwt. */
  authenticate(request: Request): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    const known = this.strategy.fromCache(bearerTokenFrom(request));
    return known !== undefined ? known : runStrategy<AuthPrincipal>(this.strategy, request);
  }

  freshnessChallenge(maxAgeSeconds: number): string {
    return `Bearer error="insufficient_user_authentication", max_age=${maxAgeSeconds}`;
  }

  /** An access token carries its proof: the caller gets a new pair of its family. */
  reauthenticated(principal: AuthPrincipal, _request: Request, proof: AuthenticationProof): Promise<TokenPair> {
    if (!principal.tokenFamilyId) throw new UnauthorizedException('Unauthorized');
    return this.tokens.reauthenticate(principal.tokenFamilyId, principal.user.id, proof);
  }

  endActedBy(actorId: string): Promise<Array<{ userId: string; id: string }>> {
    return this.tokens.revokeAllActedBy(actorId);
  }

  async endUserCredentials(userId: string): Promise<void> {
    await this.tokens.revokeAllForUser(userId);
  }
}
