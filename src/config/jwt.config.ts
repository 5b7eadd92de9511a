import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JWT_ALGORITHMS, JwtAlgorithm } from '../auth';
import { ConfigError } from './config-error';

type Env = Record<string, string | undefined>;

export interface JwtConfig {
  algorithm: JwtAlgorithm;
  /** PEM private key (ES256, RS256) or secret (HS256). */
  signingKey: string;
  /** Earlier keys that still verify during a rotation: PEM public keys, or HS256 secrets. */
  verificationKeys: string[];
}

const MIN_SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;
const PEM_BLOCK = /-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g;
const PLACEHOLDER = /^(changeme|change-me|secret|password|please-change|replace-me|example|dev|test|default)/i;

/** PEM from an environment variable, where line breaks are often written as `\n`. */
const unescapePem = (value: string): string => value.replace(/\\n/g, '\n').trim();

function checkPrivateKey(pem: string, algorithm: JwtAlgorithm): void {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigError('JWT_PRIVATE_KEY is not a PEM private key');
  }
  assertKeyFits(key, algorithm, 'JWT_PRIVATE_KEY');
}

function assertKeyFits(key: KeyObject, algorithm: JwtAlgorithm, name: string): void {
  const details = key.asymmetricKeyDetails;
  if (algorithm === 'ES256' && !(key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1')) {
    throw new ConfigError(`${name} must be a P-256 EC key for ES256`);
  }
  if (algorithm === 'RS256' && !(key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_BITS)) {
    throw new ConfigError(`${name} must be an RSA key of at least ${MIN_RSA_BITS} bits for RS256`);
  }
}

function checkSecret(secret: string, production: boolean, name: string): void {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES)
    throw new ConfigError(`${name}: each secret must be at least ${MIN_SECRET_BYTES} bytes`);
  if (production && PLACEHOLDER.test(secret)) throw new ConfigError(`${name} looks like a placeholder`);
}

/** A development key generated once into DATA_DIR, so that restarts keep tokens valid; never used in production. */
function devKey(dataDir: string, algorithm: JwtAlgorithm): string {
  const path = join(dataDir, `jwt-${algorithm.toLowerCase()}.key`);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key =
    algorithm === 'HS256'
      ? randomBytes(48).toString('base64url')
      : (algorithm === 'ES256'
          ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
          : generateKeyPairSync('rsa', { modulusLength: 2048 })
        ).privateKey
          .export({ format: 'pem', type: 'pkcs8' })
          .toString();
  writeFileSync(path, key, { mode: 0o600 });
  return key.trim();
}

function previousPublicKeys(env: Env): string[] {
  const raw = env.JWT_PREVIOUS_PUBLIC_KEYS;
  if (!raw) return [];
  const blocks = unescapePem(raw).match(PEM_BLOCK) ?? [];
  if (!blocks.length) throw new ConfigError('JWT_PREVIOUS_PUBLIC_KEYS must hold one or more PEM public keys');
  for (const block of blocks) {
    try {
      createPublicKey(block);
    } catch {
      throw new ConfigError('JWT_PREVIOUS_PUBLIC_KEYS holds a key that is not a PEM public key');
    }
  }
  return blocks;
}

/**
 * JWT_ALG, JWT_PRIVATE_KEY / JWT_SECRET and JWT_PREVIOUS_PUBLIC_KEYS. In production a key must be
 * configured; in development one is generated once into DATA_DIR.
 */
export function jwtConfig(env: Env, production: boolean, dataDir: string): JwtConfig {
  const algorithm = (env.JWT_ALG || 'ES256') as JwtAlgorithm;
  if (!JWT_ALGORITHMS.includes(algorithm)) throw new ConfigError(`JWT_ALG must be one of ${JWT_ALGORITHMS.join(', ')}`);
  const verificationKeys = previousPublicKeys(env);

  if (algorithm === 'HS256') {
    const raw = env.JWT_SECRET;
    if (!raw && production) throw new ConfigError('JWT_SECRET is required in production when JWT_ALG=HS256');
    // Like SESSION_SECRET: the first secret signs, every one verifies, so a secret can be rotated out.
    const secrets = raw
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [devKey(dataDir, algorithm)];
    if (!secrets.length) throw new ConfigError('JWT_SECRET must hold at least one secret');
    for (const secret of secrets) checkSecret(secret, production, 'JWT_SECRET');
    return { algorithm, signingKey: secrets[0], verificationKeys: [...secrets.slice(1), ...verificationKeys] };
  }

  const raw = env.JWT_PRIVATE_KEY;
  if (!raw && production) throw new ConfigError(`JWT_PRIVATE_KEY is required in production when JWT_ALG=${algorithm}`);
  const signingKey = raw ? unescapePem(raw) : devKey(dataDir, algorithm);
  checkPrivateKey(signingKey, algorithm);
  return { algorithm, signingKey, verificationKeys };
}
