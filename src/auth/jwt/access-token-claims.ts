import { AuthPrincipal } from '../core/auth-principal';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Claims of an access token: the registered ones, and email and roles so a request needs no user look-up. */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  jti: string;
  /** The refresh-token family (login) the token belongs to. */
  sid: string;
  iat: number;
  exp: number;
  email: string;
  roles: string[];
  /** When the login (or a re-authentication) proved who the user is (OpenID Connect Core §2); absent in tokens from before it was kept. */
  auth_time?: number;
  /** How (RFC 8176). */
  amr?: string[];
  /** The admin acting as the user (RFC 8693 §4.1): an impersonation's tokens. */
  act?: { sub: string; email: string };
}

const isString = (value: unknown, max = 512): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max;
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** jsonwebtoken checks only the claims that are present; every one of ours must be, with its type. */
export function hasAccessTokenClaims(payload: unknown): payload is AccessTokenClaims {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
  const claims = payload as Record<string, unknown>;
  return (
    isString(claims.sub, 64) &&
    isString(claims.sid, 64) &&
    isString(claims.jti, 64) &&
    isString(claims.email, 254) &&
    isTime(claims.iat) &&
    isTime(claims.exp) &&
    Array.isArray(claims.roles) &&
    claims.roles.length <= 32 &&
    claims.roles.every((role) => isString(role, 64)) &&
    (claims.auth_time === undefined || isTime(claims.auth_time)) &&
    (claims.amr === undefined ||
      (Array.isArray(claims.amr) && claims.amr.length <= 8 && claims.amr.every((value) => isString(value, 16)))) &&
    (claims.act === undefined || isActor(claims.act))
  );
}

function isActor(value: unknown): value is { sub: string; email: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const actor = value as Record<string, unknown>;
  return isString(actor.sub, 64) && isString(actor.email, 254);
}

export function principalFromClaims(claims: AccessTokenClaims): AuthPrincipal {
  return {
    user: { id: claims.sub, email: claims.email, roles: claims.roles },
    via: 'jwt',
    tokenFamilyId: claims.sid,
    authTime: claims.auth_time,
    amr: claims.amr,
    ...(claims.act ? { actor: { id: claims.act.sub, email: claims.act.email } } : {}),
  };
}
