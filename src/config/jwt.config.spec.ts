import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, Env, loadConfig } from './app.config';

const pem = (pair: { privateKey: { export(o: object): string | Buffer } }) =>
  pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const ecKey = pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }));
const rsaKey = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }));
const dataDir = mkdtempSync(join(tmpdir(), 'jwt-config-'));
const production = (env: Env): Env => ({
  NODE_ENV: 'production',
  DATA_DIR: dataDir,
  PUBLIC_URL: 'https://auth.example.com',
  SESSION_SECRET: 'a'.repeat(8) + 'Zq4!x9'.repeat(6),
  MFA_ENCRYPTION_KEY: '5f1c0e9a7b3d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6',
  ...env,
});

describe('loadConfig: JWT keys', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start in production without a key', () => {
    assert.throws(
      () => loadConfig(production({})),
      (e: Error) => e instanceof ConfigError && /JWT_PRIVATE_KEY/.test(e.message),
    );
    assert.throws(() => loadConfig(production({ JWT_ALG: 'RS256' })), /JWT_PRIVATE_KEY/);
    assert.throws(() => loadConfig(production({ JWT_ALG: 'HS256' })), /JWT_SECRET/);
  });

  it('refuses an HS256 secret shorter than 32 bytes, and placeholders in production', () => {
    assert.throws(() => loadConfig(production({ JWT_ALG: 'HS256', JWT_SECRET: 'x'.repeat(31) })), /32 bytes/);
    assert.throws(
      () => loadConfig(production({ JWT_ALG: 'HS256', JWT_SECRET: `changeme${'x'.repeat(40)}` })),
      /placeholder/,
    );
    assert.equal(
      loadConfig(production({ JWT_ALG: 'HS256', JWT_SECRET: 'Q7'.repeat(16) })).jwt.signingKey,
      'Q7'.repeat(16),
    );
  });

  it('refuses a key that does not fit the algorithm, an unknown algorithm, and a broken PEM', () => {
    assert.throws(() => loadConfig(production({ JWT_ALG: 'RS256', JWT_PRIVATE_KEY: ecKey })), /RSA/);
    assert.throws(() => loadConfig(production({ JWT_PRIVATE_KEY: rsaKey })), /P-256/);
    assert.throws(() => loadConfig(production({ JWT_ALG: 'none', JWT_PRIVATE_KEY: ecKey })), /JWT_ALG/);
    assert.throws(() => loadConfig(production({ JWT_ALG: 'PS256', JWT_PRIVATE_KEY: rsaKey })), /JWT_ALG/);
    assert.throws(() => loadConfig(production({ JWT_PRIVATE_KEY: 'not a key' })), /PEM/);
    assert.throws(
      () => loadConfig(production({ JWT_PRIVATE_KEY: ecKey, JWT_PREVIOUS_PUBLIC_KEYS: 'garbage' })),
      /JWT_PREVIOUS_PUBLIC_KEYS/,
    );
  });

  it('accepts configured keys with escaped newlines, previous public keys, and the defaults of API.md', () => {
    const previous = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .publicKey.export({ format: 'pem', type: 'spki' })
      .toString();
    const config = loadConfig(
      production({ JWT_PRIVATE_KEY: ecKey.replace(/\n/g, '\\n'), JWT_PREVIOUS_PUBLIC_KEYS: previous + previous }),
    );
    assert.equal(config.jwt.algorithm, 'ES256');
    assert.equal(config.jwt.signingKey, ecKey.trim());
    assert.equal(config.jwt.verificationKeys.length, 2);
    assert.equal(config.jwt.issuer, 'nest-auth');
    assert.equal(config.jwt.audience, 'nest-auth-api');
    assert.equal(config.jwt.accessTokenTtlSeconds, 900);
    assert.equal(config.jwt.refreshTokenTtlSeconds, 2_592_000);
    assert.equal(config.jwt.refreshReuseGraceSeconds, 0);
    assert.throws(
      () => loadConfig(production({ JWT_PRIVATE_KEY: ecKey, ACCESS_TOKEN_TTL_SECONDS: '0' })),
      /ACCESS_TOKEN_TTL_SECONDS/,
    );
    assert.throws(
      () => loadConfig(production({ JWT_PRIVATE_KEY: ecKey, REFRESH_REUSE_GRACE_SECONDS: '-1' })),
      /REFRESH_REUSE_GRACE_SECONDS/,
    );
  });

  it('generates a development key once into DATA_DIR and keeps it across restarts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-dev-'));
    try {
      for (const alg of ['ES256', 'RS256', 'HS256']) {
        const first = loadConfig({ DATA_DIR: dir, JWT_ALG: alg }).jwt.signingKey;
        assert.equal(loadConfig({ DATA_DIR: dir, JWT_ALG: alg }).jwt.signingKey, first);
      }
      assert.deepEqual(
        readdirSync(dir)
          .filter((f) => f.startsWith('jwt-'))
          .sort(),
        ['jwt-es256.key', 'jwt-hs256.key', 'jwt-rs256.key'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
