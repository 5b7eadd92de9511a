import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-jwt';
import { AuthPrincipal } from '../core/auth-principal';
import { AuthTelemetry } from '../core/auth-telemetry';
import { privatePassportInstance } from '../core/passport-strategy-runner';
import { hasAccessTokenClaims } from './access-token-claims';
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
 * verified before is answered from the cache (`fromCache`, which the mechanism asks first), and every
 * token, cached or not, passes the revocation list, so a request does no I/O and a revocation holds at once.
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

  /**
   * What memory can tell about a token, before any of Passport's machinery: the principal of a token
   * verified before, null for a revoked or missing one, undefined when only passport-jwt can tell.
   * The cache and the in-memory revocation list answer only while this instance is current with the
   * revocation log; every cached token passes the revocation list first.
   */
  fromCache(token: string | null): AuthPrincipal | null | undefined {
    const current = this.revocations.isCurrent();
    const verified = token !== null && current ? this.cache.get(token) : undefined;
    this.telemetry.cacheLookup('jwt', verified ? 'hit' : current ? 'miss' : 'bypass');
    if (token === null) return null;
    if (!verified) return undefined;
    return this.revocations.isRevoked(verified.claims) ? null : verified.principal;
  }

  /** Runs after passport-jwt verified the signature and the registered claims. */
  validate(request: Request, payload: unknown): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    if (!hasAccessTokenClaims(payload)) return null;
    if (payload.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS || payload.exp - payload.iat > this.maxLifetimeSeconds)
      return null;
    if (this.revocations.isRevoked(payload)) return null;
    const { principal } = this.cache.set(bearerTokenFrom(request) as string, payload);
    if (!this.revocations.isCurrent()) {
      return this.revocations.isRevokedInStore(payload).then((revoked) => (revoked ? null : principal));
    }
    return principal;
  }
}
