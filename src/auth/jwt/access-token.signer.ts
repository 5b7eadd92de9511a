import { Inject, Injectable } from '@nestjs/common';
import { sign } from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { AuthenticationProof } from '../core/authentication-proof';
import { ACCESS_TOKEN_TYPE, AccessTokenClaims } from './access-token-claims';
import { JwtKeyRing } from './jwt-key-ring';
import { JWT_OPTIONS, ResolvedJwtOptions } from './jwt.options';
import { TokenRevocationList } from './token-revocation-list';

export interface TokenSubject {
  id: string;
  email: string;
  roles: string[];
}

export interface SignedAccessToken {
  token: string;
  expiresIn: number;
}

@Injectable()
export class AccessTokenSigner {
  constructor(
    @Inject(JWT_OPTIONS) private readonly options: ResolvedJwtOptions,
    private readonly keys: JwtKeyRing,
    private readonly revocations: TokenRevocationList,
  ) {}

  /** `actor`: the admin acting as the user (RFC 8693 `act`); `notAfter`: the family's end, which the token never outlives. */
  sign(
    user: TokenSubject,
    familyId: string,
    proof?: AuthenticationProof,
    actor?: { id: string; email: string },
    notAfter?: Date,
  ): SignedAccessToken {
    const { issuer, audience, accessTokenTtlSeconds } = this.options;
    const iat = this.revocations.issuedAtFor(user.id);
    const end = notAfter ? Math.floor(notAfter.getTime() / 1000) : Infinity;
    const claims: AccessTokenClaims = {
      iss: issuer,
      aud: audience,
      sub: user.id,
      jti: randomUUID(),
      sid: familyId,
      iat,
      exp: Math.max(iat + 1, Math.min(iat + accessTokenTtlSeconds, end)),
      email: user.email,
      roles: user.roles,
      ...(proof ? { auth_time: proof.authTime, amr: proof.amr } : {}),
      ...(actor ? { act: { sub: actor.id, email: actor.email } } : {}),
    };
    const token = sign(claims, this.keys.signingKey, {
      algorithm: this.keys.signingAlgorithm,
      keyid: this.keys.signingKid,
      header: { alg: this.keys.signingAlgorithm, typ: ACCESS_TOKEN_TYPE },
    });
    return { token, expiresIn: claims.exp - Math.floor(Date.now() / 1000) };
  }
}
