import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveRedisOptions } from '../auth/core/redis.options';
import { resolveSessionOptions } from '../auth/session/session.options';
import { authOptions, ConfigError, loadConfig } from './app.config';

const strongSecret = 'k7Qv2N9xLm4Rt8Wz1Bc5Df3Gh6Jp0YsQ2';
const mfaKey = 'q1Xz8V3m0bYt6Lw2Nc9Rf4Hj7Kp5Sd1Ga8Ue3Io6Ty0=';

describe('loadConfig', () => {
  it('defaults to embedded SQLite in DATA_DIR and generates a development secret once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    try {
      const first = loadConfig({ DATA_DIR: dir });
      assert.equal(first.database.type, 'sqlite');
      assert.equal(first.database.url, join(dir, 'auth.sqlite'));
      assert.equal(first.redisUrl, undefined);
      assert.equal(first.host, '127.0.0.1');
      assert.ok(first.sessionSecrets[0].length >= 32);
      assert.equal(readFileSync(join(dir, 'session-secret'), 'utf8'), first.sessionSecrets[0]);
      assert.deepEqual(loadConfig({ DATA_DIR: dir }).sessionSecrets, first.sessionSecrets);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start in production without SESSION_SECRET', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: tmpdir() }), ConfigError);
  });

  it('refuses placeholder and short secrets in production', () => {
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: 'production',
          PUBLIC_URL: 'https://auth.example.com',
          SESSION_SECRET: 'changeme-changeme-changeme-changeme',
        }),
      /placeholder/,
    );
    const short = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'short',
      JWT_ALG: 'HS256',
      JWT_SECRET: strongSecret,
      PUBLIC_URL: 'https://auth.example.com',
      MFA_ENCRYPTION_KEY: mfaKey,
    };
    assert.throws(() => resolveSessionOptions(authOptions(loadConfig(short)).session), /32 or more characters/);
  });

  it('reads a secret list: the first signs, all verify', () => {
    const config = loadConfig({ SESSION_SECRET: `${strongSecret}, ${strongSecret.toLowerCase()}` });
    assert.deepEqual(config.sessionSecrets, [strongSecret, strongSecret.toLowerCase()]);
  });

  it('listens on all interfaces by default in production', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      SESSION_SECRET: strongSecret,
      DATABASE_URL: 'postgres://u@h/db',
      JWT_ALG: 'HS256',
      JWT_SECRET: strongSecret,
      PUBLIC_URL: 'https://auth.example.com/',
      MFA_ENCRYPTION_KEY: mfaKey,
    });
    assert.equal(config.host, '0.0.0.0');
    assert.deepEqual(config.database, { type: 'postgres', url: 'postgres://u@h/db' });
    assert.equal(config.publicUrl, 'https://auth.example.com');
  });

  it('requires PUBLIC_URL in production, and maps the mail variables', () => {
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: strongSecret,
      JWT_ALG: 'HS256',
      JWT_SECRET: strongSecret,
    };
    assert.throws(() => loadConfig(production), /PUBLIC_URL is required/);
    assert.throws(() => loadConfig({ ...production, PUBLIC_URL: 'auth.example.com' }), /PUBLIC_URL must be an origin/);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    try {
      const config = loadConfig({
        DATA_DIR: dir,
        SESSION_SECRET: strongSecret,
        PORT: '4000',
        REQUIRE_VERIFIED_EMAIL: 'true',
        SMTP_URL: 'smtp://u:p@mail:587',
      });
      assert.equal(config.publicUrl, 'http://127.0.0.1:4000');
      assert.equal(config.email.outboxDir, join(dir, 'outbox'));
      assert.equal(config.email.requireVerified, true);
      assert.equal(config.email.smtpUrl, 'smtp://u:p@mail:587');
      assert.throws(
        () => loadConfig({ DATA_DIR: dir, SESSION_SECRET: strongSecret, REQUIRE_VERIFIED_EMAIL: 'maybe' }),
        /REQUIRE_VERIFIED_EMAIL/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects malformed URLs and numbers with the variable named', () => {
    assert.throws(() => loadConfig({ SESSION_SECRET: strongSecret, DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(
      () => loadConfig({ SESSION_SECRET: strongSecret, SESSION_IDLE_TIMEOUT_SECONDS: 'ten' }),
      /SESSION_IDLE_TIMEOUT_SECONDS/,
    );
    const redis = (env: Record<string, string>) =>
      resolveRedisOptions(authOptions(loadConfig({ SESSION_SECRET: strongSecret, ...env })).redis);
    assert.throws(() => redis({ REDIS_URL: 'localhost:6379' }), /redis:\/\//);
    assert.throws(() => redis({ REDIS_CLUSTER_NODES: 'redis://a:1, b:2' }), /redis:\/\//);
    assert.deepEqual(redis({ REDIS_CLUSTER_NODES: 'redis://a:1, redis://b:2' }).clusterNodes, [
      'redis://a:1',
      'redis://b:2',
    ]);
  });

  it('generates MFA_ENCRYPTION_KEY once into DATA_DIR in development, requires it in production, and checks its size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    try {
      const first = loadConfig({ DATA_DIR: dir, SESSION_SECRET: strongSecret });
      assert.equal(readFileSync(join(dir, 'mfa-encryption-key'), 'utf8'), first.mfaEncryptionKeys[0]);
      assert.deepEqual(
        loadConfig({ DATA_DIR: dir, SESSION_SECRET: strongSecret }).mfaEncryptionKeys,
        first.mfaEncryptionKeys,
      );
      assert.deepEqual(authOptions(first).mfa, { encryptionKeys: first.mfaEncryptionKeys });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: strongSecret,
      JWT_ALG: 'HS256',
      JWT_SECRET: strongSecret,
      PUBLIC_URL: 'https://auth.example.com',
    };
    assert.throws(() => loadConfig(production), /MFA_ENCRYPTION_KEY is required in production/);
    assert.throws(
      () => loadConfig({ ...production, MFA_ENCRYPTION_KEY: 'ab'.repeat(31) }),
      /MFA_ENCRYPTION_KEY: each key must be 32 or more bytes/,
    );
    const hex = 'ab'.repeat(32);
    assert.deepEqual(loadConfig({ ...production, MFA_ENCRYPTION_KEY: `${hex}, ${mfaKey}` }).mfaEncryptionKeys, [
      hex,
      mfaKey,
    ]);
  });

  it('accepts sqlite: URLs', () => {
    assert.deepEqual(loadConfig({ SESSION_SECRET: strongSecret, DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database, {
      type: 'sqlite',
      url: '/tmp/x.sqlite',
    });
  });
});
