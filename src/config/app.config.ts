import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { AuthModuleOptions } from '../auth';
import { EncryptionKey } from '../auth';
import { ConfigError } from './config-error';
import { firebaseScryptConfig } from './firebase-scrypt.config';
import { jwtConfig, JwtConfig } from './jwt.config';
import { tlsConfig, TlsConfig } from './tls.config';

export { ConfigError };

export type Env = Record<string, string | undefined>;

export interface DatabaseConfig {
  type: 'sqlite' | 'postgres';
  /** SQLite file path, or the PostgreSQL URL. */
  url: string;
}

export interface AppConfig extends TlsConfig {
  production: boolean;
  port: number;
  host: string;
  /** On SIGTERM: how long /health/ready answers 503 while requests are still served, so the load balancer stops sending before the listener closes. */
  shutdownDelayMs: number;
  dataDir: string;
  database: DatabaseConfig;
  redisUrl?: string;
  redisClusterNodes: string[];
  redisKeyPrefix: string;
  /** REDIS_STARTUP_TIMEOUT_SECONDS: how long start waits for Redis before it fails. */
  redisStartupTimeoutSeconds: number;
  /** DATABASE_STARTUP_TIMEOUT_SECONDS: how long start waits for the database before it fails. */
  databaseStartupTimeoutSeconds: number;
  trustProxy?: string;
  sessionSecrets: string[];
  sessionIdleTimeoutSeconds: number;
  sessionAbsoluteTimeoutSeconds: number;
  /** SESSION_MAX_PER_USER: past it, a new sign-in ends the user's least recently used session; unset: no cap. */
  sessionMaxPerUser?: number;
  /** IMPERSONATION_NOTICE=off: no notice mail to a user an admin acts as (default on). */
  impersonationNotifyUser: boolean;
  bootstrapAdmin?: { email: string; password: string };
  runMigrations: boolean;
  throttle: { limit: number; ttlSeconds: number };
  lockout: { threshold: number; baseSeconds: number };
  apiKeys: { prefix: string; rateLimitPerMinute: number; cache: boolean; unknownKeyLookupsPerMinute: number };
  auditRetentionDays: number;
  /** `write` is where lines go when not standard output (tests that read them in-process). */
  log: { level: string; format: 'json' | 'pretty'; write?: (line: string) => void };
  metricsToken?: string;
  /** REAUTH_MAX_AGE_SECONDS: how long a proof of identity counts as fresh. */
  reauthMaxAgeSeconds: number;
  /** Webhook endpoints on loopback or private addresses are called (default: outside production only). */
  webhookAllowPrivate: boolean;
  /** MFA_ENCRYPTION_KEY: the first encrypts TOTP secrets and queued mails, all decrypt (rotation). */
  mfaEncryptionKeys: string[];
  /** FIREBASE_SCRYPT_*: to verify the hashes of users imported from a Firebase project. */
  firebaseScrypt?: ReturnType<typeof firebaseScryptConfig>;
  /** The origin users reach the app at: links in mails, OpenID redirect URIs, the WebAuthn origin. */
  publicUrl: string;
  /** The WebAuthn relying party; undefined (no passkeys) when its id would be an IP address, which browsers refuse. */
  passkeys?: { rpId: string; rpName: string; origins: string[] };
  oidc: {
    providers: Array<{ name: string; issuer: string; clientId: string; clientSecret: string; scopes: string[] }>;
    flowTtlSeconds: number;
  };
  passwords: { breachCheck?: { rangeUrl?: string } };
  email: {
    smtpUrl?: string;
    outboxDir: string;
    from?: string;
    verifyUrl?: string;
    resetUrl?: string;
    verifyTtlSeconds: number;
    resetTtlSeconds: number;
    requireVerified: boolean;
  };
  jwt: JwtConfig & {
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    refreshReuseGraceSeconds: number;
  };
}

const PLACEHOLDER = /^(changeme|change-me|secret|password|please-change|replace-me|example|dev|test|default)/i;

function integer(env: Env, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer of at least ${min}`);
  return value;
}

/** API_KEY_* variables; API_KEY_CACHE=off turns off the verified-key cache and the lastUsedAt write-behind (benchmark baseline). */
function apiKeyConfig(env: Env): AppConfig['apiKeys'] {
  const prefix = env.API_KEY_PREFIX || 'sk';
  const cache = (env.API_KEY_CACHE || 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false'].includes(cache)) throw new ConfigError('API_KEY_CACHE must be on or off');
  return {
    prefix,
    rateLimitPerMinute: integer(env, 'API_KEY_RATE_LIMIT_PER_MINUTE', 600),
    cache: cache === 'on' || cache === 'true',
    unknownKeyLookupsPerMinute: integer(env, 'API_KEY_UNKNOWN_LOOKUPS_PER_MINUTE', 30),
  };
}

function lockoutConfig(env: Env): AppConfig['lockout'] {
  return { threshold: integer(env, 'LOCKOUT_THRESHOLD', 5), baseSeconds: integer(env, 'LOCKOUT_BASE_SECONDS', 60) };
}

export function databaseConfig(env: Env, dataDir: string): DatabaseConfig {
  const url = env.DATABASE_URL;
  if (!url) return { type: 'sqlite', url: join(dataDir, 'auth.sqlite') };
  if (/^postgres(ql)?:\/\//.test(url)) return { type: 'postgres', url };
  if (url.startsWith('sqlite:')) return { type: 'sqlite', url: url.slice('sqlite:'.length) };
  throw new ConfigError('DATABASE_URL must start with postgres:// or sqlite:');
}

/**
 * A development secret generated once into DATA_DIR, so that restarts keep sessions valid without
 * the user configuring anything. Never used in production.
 */
function devSecret(dataDir: string, file: string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(path, secret, { mode: 0o600 });
  return secret;
}

function secretList(env: Env, name: string, production: boolean, dataDir: string, devFile: string): string[] {
  const raw = env[name];
  if (!raw) {
    if (production) throw new ConfigError(`${name} is required in production`);
    return [devSecret(dataDir, devFile)];
  }
  const secrets = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // Length and form are the library's to check; a placeholder left in a production environment is the operator's slip, caught here.
  if (production && secrets.some((secret) => PLACEHOLDER.test(secret)))
    throw new ConfigError(`${name} looks like a placeholder`);
  return secrets;
}

/** MFA_ENCRYPTION_KEY: comma-separated keys of 32+ bytes as hex or base64, the first encrypting; generated once into DATA_DIR in development. */
function mfaKeys(env: Env, production: boolean, dataDir: string): string[] {
  const keys = secretList(env, 'MFA_ENCRYPTION_KEY', production, dataDir, 'mfa-encryption-key');
  if (keys.some((key) => !EncryptionKey.parse(key)))
    throw new ConfigError('MFA_ENCRYPTION_KEY: each key must be 32 or more bytes, as hex or base64');
  return keys;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').toLowerCase();
  if (raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false`);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logConfig(env: Env, production: boolean): AppConfig['log'] {
  const level = (env.LOG_LEVEL || 'info').toLowerCase();
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const format = (env.LOG_FORMAT || (production ? 'json' : 'pretty')).toLowerCase();
  if (format !== 'json' && format !== 'pretty') throw new ConfigError('LOG_FORMAT must be json or pretty');
  return { level, format };
}

/** PUBLIC_URL: required in production, where links must name the real origin; in development the app's own address. */
function publicUrl(env: Env, production: boolean): string {
  const raw = env.PUBLIC_URL;
  if (!raw) {
    if (production) throw new ConfigError('PUBLIC_URL is required in production');
    return `http://127.0.0.1:${env.PORT || 3000}`;
  }
  if (!/^https?:\/\/[^\s/]+$/.test(raw.replace(/\/+$/, '')))
    throw new ConfigError('PUBLIC_URL must be an origin such as https://auth.example.com');
  return raw.replace(/\/+$/, '');
}

/**
 * WEBAUTHN_*: by default the relying party is the host of PUBLIC_URL and its one origin. The
 * development default PUBLIC_URL (http://127.0.0.1:PORT) names an IP address, which browsers refuse
 * as a relying party id, and a plain-http host other than localhost is no secure context: passkeys
 * are then off, until PUBLIC_URL is https or http://localhost:PORT, or WEBAUTHN_RP_ID is set.
 */
function passkeyConfig(env: Env, publicUrl: string): AppConfig['passkeys'] {
  const { hostname: publicHost, protocol } = new URL(publicUrl);
  // Browsers offer WebAuthn only in a secure context (https, or http on localhost) and never for an IP address.
  const usable = !isIP(publicHost.replace(/^\[|\]$/g, '')) && (protocol === 'https:' || publicHost === 'localhost');
  const rpId = env.WEBAUTHN_RP_ID || (usable ? publicHost : undefined);
  if (!rpId) return undefined;
  const origins = list(env.WEBAUTHN_ORIGINS);
  return {
    rpId,
    rpName: env.WEBAUTHN_RP_NAME || 'nest-auth',
    origins: origins.length ? origins : [new URL(publicUrl).origin],
  };
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * OIDC_PROVIDERS=google,corp and, for each NAME upper-cased, OIDC_<NAME>_ISSUER, _CLIENT_ID,
 * _CLIENT_SECRET and optionally _SCOPES (space- or comma-separated, default `openid email profile`).
 */
function oidcConfig(env: Env): AppConfig['oidc'] {
  const providers = list(env.OIDC_PROVIDERS).map((raw) => {
    const name = raw.toLowerCase();
    if (!/^[a-z0-9_]{1,32}$/.test(name))
      throw new ConfigError('OIDC_PROVIDERS holds names of 1 to 32 letters, digits and _');
    const variable = (suffix: string) => `OIDC_${name.toUpperCase()}_${suffix}`;
    const required = (suffix: string) => {
      const value = env[variable(suffix)];
      if (!value) throw new ConfigError(`${variable(suffix)} is required for OIDC provider ${name}`);
      return value;
    };
    const scopes = (env[variable('SCOPES')] || 'openid email profile').split(/[\s,]+/).filter(Boolean);
    return {
      name,
      issuer: required('ISSUER'),
      clientId: required('CLIENT_ID'),
      clientSecret: required('CLIENT_SECRET'),
      scopes,
    };
  });
  return { providers, flowTtlSeconds: integer(env, 'OIDC_FLOW_TTL_SECONDS', 600) };
}

/** The AuthModule options of the reference app: each environment variable to its option; the library validates them. */
export function authOptions(config: AppConfig): AuthModuleOptions {
  return {
    redis: {
      url: config.redisUrl,
      clusterNodes: config.redisClusterNodes,
      keyPrefix: config.redisKeyPrefix,
      startupTimeoutSeconds: config.redisStartupTimeoutSeconds,
    },
    session: {
      secrets: config.sessionSecrets,
      idleTimeoutSeconds: config.sessionIdleTimeoutSeconds,
      absoluteTimeoutSeconds: config.sessionAbsoluteTimeoutSeconds,
      maxPerUser: config.sessionMaxPerUser,
      secureCookies: config.production || undefined,
    },
    bootstrapAdmin: config.bootstrapAdmin,
    throttle: config.throttle,
    lockout: config.lockout,
    apiKeys: config.apiKeys,
    mtls: config.mtls,
    passwords: config.passwords,
    audit: { retentionDays: config.auditRetentionDays },
    email: { ...config.email, publicUrl: config.publicUrl },
    // Without a token, /metrics is open in development and 404 in production.
    metrics: { token: config.metricsToken, requireToken: config.production },
    jwt: config.jwt,
    passkeys: config.passkeys,
    mfa: { encryptionKeys: config.mfaEncryptionKeys },
    impersonation: { notifyUser: config.impersonationNotifyUser },
    passwordHashing: { firebaseScrypt: config.firebaseScrypt },
    // http:// issuers on loopback only outside production (the tests' own provider).
    oidc: { ...config.oidc, publicUrl: config.publicUrl, allowHttpLoopbackIssuers: !config.production },
    reauthentication: { maxAgeSeconds: config.reauthMaxAgeSeconds },
    // https:// only in production; outside it a developer's receiver on http://localhost is fine.
    webhooks: { allowPrivateTargets: config.webhookAllowPrivate, requireHttps: config.production },
  };
}

/** PASSWORD_BREACH_CHECK=hibp (and PASSWORD_BREACH_CHECK_URL, the range endpoint, for a mirror or a test's fake). */
function passwordConfig(env: Env): AppConfig['passwords'] {
  const check = env.PASSWORD_BREACH_CHECK || 'off';
  if (check !== 'hibp' && check !== 'off') throw new ConfigError('PASSWORD_BREACH_CHECK must be hibp or off');
  return check === 'hibp' ? { breachCheck: { rangeUrl: env.PASSWORD_BREACH_CHECK_URL || undefined } } : {};
}

/** Reads and validates the environment; throws ConfigError with a message naming the variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const production = (env.NODE_ENV ?? 'development') === 'production';
  const dataDir = resolve(env.DATA_DIR || './data');
  const database = databaseConfig(env, dataDir);
  const redisUrl = env.REDIS_URL || undefined;
  const adminEmail = env.AUTH_BOOTSTRAP_ADMIN_EMAIL;
  const adminPassword = env.AUTH_BOOTSTRAP_ADMIN_PASSWORD;
  if (adminPassword !== undefined && (adminPassword.length < 12 || adminPassword.length > 128)) {
    throw new ConfigError('AUTH_BOOTSTRAP_ADMIN_PASSWORD must be 12 to 128 characters');
  }
  const appUrl = publicUrl(env, production);
  return {
    production,
    port: integer(env, 'PORT', 3000, 0),
    shutdownDelayMs: integer(env, 'SHUTDOWN_DELAY_MS', 0, 0),
    host: env.HOST || (production ? '0.0.0.0' : '127.0.0.1'),
    dataDir,
    database,
    redisUrl,
    redisClusterNodes: list(env.REDIS_CLUSTER_NODES),
    redisKeyPrefix: env.REDIS_KEY_PREFIX || 'auth:',
    redisStartupTimeoutSeconds: integer(env, 'REDIS_STARTUP_TIMEOUT_SECONDS', 30),
    databaseStartupTimeoutSeconds: integer(env, 'DATABASE_STARTUP_TIMEOUT_SECONDS', 30),
    trustProxy: env.TRUST_PROXY || undefined,
    sessionSecrets: secretList(env, 'SESSION_SECRET', production, dataDir, 'session-secret'),
    sessionIdleTimeoutSeconds: integer(env, 'SESSION_IDLE_TIMEOUT_SECONDS', 1800),
    sessionAbsoluteTimeoutSeconds: integer(env, 'SESSION_ABSOLUTE_TIMEOUT_SECONDS', 43200),
    impersonationNotifyUser: (env.IMPERSONATION_NOTICE || 'on').toLowerCase() !== 'off',
    sessionMaxPerUser: env.SESSION_MAX_PER_USER ? integer(env, 'SESSION_MAX_PER_USER', 1) : undefined,
    bootstrapAdmin: adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : undefined,
    runMigrations: env.RUN_MIGRATIONS ? env.RUN_MIGRATIONS !== 'false' : true,
    throttle: {
      limit: integer(env, 'THROTTLE_AUTH_LIMIT', 10),
      ttlSeconds: integer(env, 'THROTTLE_AUTH_TTL_SECONDS', 60),
    },
    lockout: lockoutConfig(env),
    apiKeys: apiKeyConfig(env),
    auditRetentionDays: integer(env, 'AUDIT_RETENTION_DAYS', 90),
    ...tlsConfig(env),
    publicUrl: appUrl,
    passkeys: passkeyConfig(env, appUrl),
    oidc: oidcConfig(env),
    log: logConfig(env, production),
    metricsToken: env.METRICS_TOKEN || undefined,
    passwords: passwordConfig(env),
    reauthMaxAgeSeconds: integer(env, 'REAUTH_MAX_AGE_SECONDS', 600),
    webhookAllowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE', !production),
    email: {
      smtpUrl: env.SMTP_URL || undefined,
      outboxDir: join(dataDir, 'outbox'),
      from: env.MAIL_FROM || undefined,
      verifyUrl: env.EMAIL_VERIFY_URL || undefined,
      resetUrl: env.PASSWORD_RESET_URL || undefined,
      verifyTtlSeconds: integer(env, 'EMAIL_VERIFY_TTL_SECONDS', 86_400),
      resetTtlSeconds: integer(env, 'PASSWORD_RESET_TTL_SECONDS', 1_800),
      requireVerified: boolean(env, 'REQUIRE_VERIFIED_EMAIL', false),
    },
    jwt: {
      ...jwtConfig(env, production, dataDir),
      issuer: env.JWT_ISSUER || 'nest-auth',
      audience: env.JWT_AUDIENCE || 'nest-auth-api',
      accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 900),
      refreshTokenTtlSeconds: integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 2_592_000),
      refreshReuseGraceSeconds: integer(env, 'REFRESH_REUSE_GRACE_SECONDS', 0, 0),
    },
    mfaEncryptionKeys: mfaKeys(env, production, dataDir),
    firebaseScrypt: firebaseScryptConfig(env),
  };
}
