import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-jwt';
import { AuthPrincipal } from '../core/auth-principal';
import { AuthTelemetry } from '../core/auth-telemetry';
import { privatePassportInstance } from '../core/passport-strategy-runner';
import { hasAccessTokenClaims, principalFromClaims } from './access-token-claims';
import { bearerTokenFrom } from './bearer-token';
import { JwtKeyRing } from './jwt-key-ring';
import { JWT_OPTIONS, ResolvedJwtOptions } from './jwt.options';
import { keyForToken } from './token-header';
import { TokenRevocationList } from './token-revocation-list';
import { VerifiedTokenCache } from './verified-token-cache';

/** Tolerated clock difference between the instance that signed a token and the one verifying it. */
export const CLOCK_SKEW_SECONDS = 5;

type KeyCallback = (error: unknown, key?: string | Buffer) => void;

/**
 * `Authorization: Bearer <access token>`, verified by passport-jwt (jsonwebtoken) against our own key
 * named by `kid`, with that key's one algorithm, `iss`, `aud`, `exp`, `nbf` and a maximum age. A token
 * verified before is answered from the cache, and every token, cached or not, passes the revocation
 * list first, so a request does no I/O and a revocation holds at once.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly cache: VerifiedTokenCache;
  private readonly maxLifetimeSeconds: number;

  constructor(
    @Inject(JWT_OPTIONS) options: ResolvedJwtOptions,
    keys: JwtKeyRing,
    private readonly revocations: TokenRevocationList,
    private readonly telemetry: AuthTelemetry,
  ) {
    const { issuer, audience, accessTokenTtlSeconds } = options;
    super({
      jwtFromRequest: bearerTokenFrom,
      secretOrKeyProvider: (_request: Request, token: string, done: KeyCallback) => {
        const key = keyForToken(token, keys);
        // passport-jwt's types predate KeyObject; jsonwebtoken takes one and checks it fits the algorithm.
        if (key) done(null, key.verifyKey as unknown as Buffer);
        else done(new Error('No key for this token'));
      },
      issuer,
      audience,
      algorithms: keys.algorithms,
      passReqToCallback: true,
      jsonWebTokenOptions: {
        clockTolerance: CLOCK_SKEW_SECONDS,
        maxAge: accessTokenTtlSeconds + CLOCK_SKEW_SECONDS + 1,
      },
    });
    this.cache = new VerifiedTokenCache(options.verifiedTokenCacheSize);
    this.maxLifetimeSeconds = accessTokenTtlSeconds;
  }

  getPassportInstance() {
    return privatePassportInstance();
  }

  authenticate(request: Request, options?: object): void {
    const token = bearerTokenFrom(request);
    // The cache and the in-memory revocation list answer only while this instance is current with the revocation log.
    const current = this.revocations.isCurrent();
    const claims = token && current ? this.cache.get(token) : undefined;
    this.telemetry.cacheLookup('jwt', claims ? 'hit' : current ? 'miss' : 'bypass');
    if (!claims) return super.authenticate(request, options);
    if (this.revocations.isRevoked(claims)) return this.fail(401);
    this.success(principalFromClaims(claims));
  }

  /** Runs after passport-jwt verified the signature and the registered claims. */
  validate(request: Request, payload: unknown): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    if (!hasAccessTokenClaims(payload)) return null;
    if (payload.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS || payload.exp - payload.iat > this.maxLifetimeSeconds)
      return null;
    if (this.revocations.isRevoked(payload)) return null;
    this.cache.set(bearerTokenFrom(request) as string, payload);
    if (!this.revocations.isCurrent()) {
      return this.revocations
        .isRevokedInStore(payload)
        .then((revoked) => (revoked ? null : principalFromClaims(payload)));
    }
    return principalFromClaims(payload);
  }
}
