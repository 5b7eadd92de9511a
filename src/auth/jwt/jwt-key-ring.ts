import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  JsonWebKey,
  KeyObject,
} from 'node:crypto';
import { JwtAlgorithm, ResolvedJwtOptions } from './jwt.options';

export interface JwtKey {
  kid: string;
  /** The one algorithm this key may verify: a token naming another is refused. */
  alg: JwtAlgorithm;
  /** Public key, or the secret for HS256. */
  verifyKey: KeyObject;
}

export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: JwtAlgorithm;
  use: 'sig';
}

function algorithmOf(key: KeyObject): JwtAlgorithm {
  if (key.type === 'secret') return 'HS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return 'RS256';
  throw new Error('AuthModule: JWT keys must be P-256 EC, RSA of 2048+ bits, or HS256 secrets');
}

/**
 * Key IDs derived from the key itself, so every instance agrees without coordination: the RFC 7638
 * thumbprint of a public key; for a secret, an HMAC under it, which reveals nothing of the secret.
 */
function kidOf(key: KeyObject): string {
  if (key.type === 'secret')
    return createHmac('sha256', key.export()).update('nest-auth kid').digest('base64url').slice(0, 22);
  const jwk = key.export({ format: 'jwk' });
  const members =
    key.asymmetricKeyType === 'rsa'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function verificationKeyFrom(material: string): KeyObject {
  if (material.trimStart().startsWith('-----BEGIN')) return createPublicKey(material);
  if (Buffer.byteLength(material) < 32)
    throw new Error('AuthModule: an HS256 verification secret must be at least 32 bytes');
  return createSecretKey(Buffer.from(material));
}

/** The signing key and every key that verifies: our own, looked up by `kid`, never taken from a token. */
export class JwtKeyRing {
  readonly signingKid: string;
  readonly signingAlgorithm: JwtAlgorithm;
  /** Private key, or the secret for HS256. */
  readonly signingKey: KeyObject;
  readonly algorithms: JwtAlgorithm[];
  private readonly keys = new Map<string, JwtKey>();

  constructor(options: Pick<ResolvedJwtOptions, 'algorithm' | 'signingKey' | 'verificationKeys'>) {
    const signingKey =
      options.algorithm === 'HS256'
        ? createSecretKey(Buffer.from(options.signingKey))
        : createPrivateKey(options.signingKey);
    const verifyKey = signingKey.type === 'secret' ? signingKey : createPublicKey(signingKey);
    if (algorithmOf(verifyKey) !== options.algorithm)
      throw new Error(`AuthModule: jwt.signingKey is not a key for ${options.algorithm}`);
    this.signingKey = signingKey;
    this.signingAlgorithm = options.algorithm;
    this.signingKid = this.add(verifyKey).kid;
    for (const material of options.verificationKeys) this.add(verificationKeyFrom(material));
    this.algorithms = [...new Set([...this.keys.values()].map((key) => key.alg))];
  }

  find(kid: unknown): JwtKey | undefined {
    return typeof kid === 'string' ? this.keys.get(kid) : undefined;
  }

  /** The public keys for `/.well-known/jwks.json`; secrets are never listed. */
  publicJwks(): PublicJwk[] {
    return [...this.keys.values()]
      .filter((key) => key.alg !== 'HS256')
      .map((key) => ({ ...key.verifyKey.export({ format: 'jwk' }), kid: key.kid, alg: key.alg, use: 'sig' as const }));
  }

  private add(verifyKey: KeyObject): JwtKey {
    const key: JwtKey = { kid: kidOf(verifyKey), alg: algorithmOf(verifyKey), verifyKey };
    this.keys.set(key.kid, key);
    return key;
  }
}
