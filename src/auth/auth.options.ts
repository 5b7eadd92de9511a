import { ApiKeyOptions, ResolvedApiKeyOptions, resolveApiKeyOptions } from './api-key/api-key.options';
import { JwtOptions, ResolvedJwtOptions, resolveJwtOptions } from './jwt/jwt.options';
import {
  AuthThrottleOptions,
  LockoutOptions,
  ResolvedAuthThrottleOptions,
  ResolvedLockoutOptions,
  resolveLockoutOptions,
  resolveThrottleOptions,
} from './throttling/throttling.options';

/** Options of AuthModule.forRoot / forRootAsync. Durations are in seconds. */
export interface AuthModuleOptions {
  /** `redis://…`; when set, sessions, rate limits and revocation fan-out go to Redis. */
  redisUrl?: string;
  /** Prefix of every Redis key the module writes; lets several apps or test runs share one Redis. */
  redisKeyPrefix?: string;
  /** Cookie signing secrets: the first signs, all verify (rotation). At least 32 characters each. */
  sessionSecrets: string[];
  sessionIdleTimeoutSeconds?: number;
  sessionAbsoluteTimeoutSeconds?: number;
  /** Force the `Secure` flag and `__Host-` cookie name; when unset, decided per request by `req.secure`. */
  secureCookies?: boolean;
  /** Created with role `admin` at start when both are set and the email is not registered yet. */
  bootstrapAdmin?: { email: string; password: string };
  /** Audit events older than this many days are deleted. */
  auditRetentionDays?: number;
  /** argon2id cost; the defaults are OWASP's minimum (19 MiB, 2 passes, 1 lane). */
  passwordHashing?: { memoryCost?: number; timeCost?: number; parallelism?: number };
  /** API keys: prefix, default per-key rate limit, verification cache. */
  apiKeys?: ApiKeyOptions;
  /** Requests per client IP to the register, login and token routes (default 10 per 60 s). */
  throttle?: AuthThrottleOptions;
  /** Back-off per account after consecutive failed logins (default: after 5, from 60 s doubling to 900 s). */
  lockout?: LockoutOptions;
  /** JWT access tokens and refresh tokens: signing key, rotation keys, issuer, audience, lifetimes. */
  jwt?: JwtOptions;
}

export type ResolvedAuthOptions = Required<
  Omit<AuthModuleOptions, 'redisUrl' | 'bootstrapAdmin' | 'secureCookies' | 'passwordHashing' | 'apiKeys' | 'jwt' | 'throttle' | 'lockout'>
> &
  Pick<AuthModuleOptions, 'redisUrl' | 'bootstrapAdmin' | 'secureCookies'> & {
    passwordHashing: Required<NonNullable<AuthModuleOptions['passwordHashing']>>;
    apiKeys: ResolvedApiKeyOptions;
    throttle: ResolvedAuthThrottleOptions;
    lockout: ResolvedLockoutOptions;
    jwt: ResolvedJwtOptions;
  };

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

export function resolveAuthOptions(options: AuthModuleOptions): ResolvedAuthOptions {
  if (!options.sessionSecrets?.length || options.sessionSecrets.some((s) => s.length < 32)) {
    throw new Error('AuthModule: sessionSecrets must hold at least one secret of 32 or more characters');
  }
  return {
    redisUrl: options.redisUrl,
    redisKeyPrefix: options.redisKeyPrefix ?? 'auth:',
    sessionSecrets: options.sessionSecrets,
    sessionIdleTimeoutSeconds: options.sessionIdleTimeoutSeconds ?? 1800,
    sessionAbsoluteTimeoutSeconds: options.sessionAbsoluteTimeoutSeconds ?? 43200,
    secureCookies: options.secureCookies,
    auditRetentionDays: options.auditRetentionDays ?? 90,
    bootstrapAdmin: options.bootstrapAdmin,
    passwordHashing: {
      memoryCost: options.passwordHashing?.memoryCost ?? 19456,
      timeCost: options.passwordHashing?.timeCost ?? 2,
      parallelism: options.passwordHashing?.parallelism ?? 1,
    },
    apiKeys: resolveApiKeyOptions(options.apiKeys),
    throttle: resolveThrottleOptions(options.throttle),
    lockout: resolveLockoutOptions(options.lockout),
    jwt: resolveJwtOptions(options.jwt),
  };
}
