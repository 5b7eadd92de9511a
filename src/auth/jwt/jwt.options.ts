import { generateKeyPairSync, randomBytes } from 'node:crypto';

export const JWT_ALGORITHMS = ['ES256', 'RS256', 'HS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The `jwt` options of AuthModule.forRoot. Durations are in seconds. */
export interface JwtOptions {
  /** Algorithm of the signing key; `ES256` by default. */
  algorithm?: JwtAlgorithm;
  /**
   * PEM private key (ES256, RS256) or secret of at least 32 bytes (HS256). Signs every new access token.
   * Without it, a key is generated at start for this process only: tokens then end with the process and
   * do not verify on other instances, so set it whenever more than one instance runs.
   */
  signingKey?: string;
  /**
   * Keys of earlier signing keys that keep verifying until their tokens expire (rotation without
   * downtime): PEM public keys, or HS256 secrets. Each key verifies only its own algorithm; the
   * JWKS lists every public one.
   */
  verificationKeys?: string[];
  issuer?: string;
  audience?: string;
  accessTokenTtlSeconds?: number;
  /** Absolute lifetime of a refresh-token family from its login; rotation does not extend it. */
  refreshTokenTtlSeconds?: number;
  /** A spent refresh token presented again within this window is refused without revoking its family. */
  refreshReuseGraceSeconds?: number;
  /** Entries of the per-instance cache of verified access tokens. */
  verifiedTokenCacheSize?: number;
}

export type ResolvedJwtOptions = Required<JwtOptions> & { signingKeyGenerated: boolean };

export const JWT_OPTIONS = Symbol('JWT_OPTIONS');

export function resolveJwtOptions(options: JwtOptions = {}): ResolvedJwtOptions {
  const signingKeyGenerated = !options.signingKey;
  const algorithm = options.algorithm ?? 'ES256';
  const signingKey = options.signingKey ?? generatedKey(algorithm);
  if (!JWT_ALGORITHMS.includes(algorithm))
    throw new Error(`AuthModule: jwt.algorithm must be one of ${JWT_ALGORITHMS.join(', ')}`);
  if (algorithm === 'HS256' && Buffer.byteLength(signingKey) < 32) {
    throw new Error('AuthModule: an HS256 jwt.signingKey must be at least 32 bytes');
  }
  const resolved: ResolvedJwtOptions = {
    algorithm,
    signingKey,
    signingKeyGenerated,
    verificationKeys: options.verificationKeys ?? [],
    issuer: options.issuer ?? 'nest-auth',
    audience: options.audience ?? 'nest-auth-api',
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 900,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 2_592_000,
    refreshReuseGraceSeconds: options.refreshReuseGraceSeconds ?? 0,
    verifiedTokenCacheSize: options.verifiedTokenCacheSize ?? 10_000,
  };
  for (const name of ['accessTokenTtlSeconds', 'refreshTokenTtlSeconds', 'verifiedTokenCacheSize'] as const) {
    if (!Number.isInteger(resolved[name]) || resolved[name] < 1)
      throw new Error(`AuthModule: jwt.${name} must be a positive integer`);
  }
  if (!Number.isInteger(resolved.refreshReuseGraceSeconds) || resolved.refreshReuseGraceSeconds < 0) {
    throw new Error('AuthModule: jwt.refreshReuseGraceSeconds must be a non-negative integer');
  }
  return resolved;
}

function generatedKey(algorithm: JwtAlgorithm): string {
  if (algorithm === 'HS256') return randomBytes(48).toString('base64url');
  const pair =
    algorithm === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}
