import type { AccountsOptions } from './accounts/accounts.options';
import type { ApiKeyOptions } from './api-key/api-key.options';
import type { AuditOptions } from './audit/audit.options';
import type { AuthRedisOptions } from './core/redis.options';
import type { ReauthenticationOptions } from './core/reauthentication.options';
import type { EmailOptions } from './email/email.options';
import type { MetricsOptions } from './ops/metrics.options';
import type { MfaOptions } from './mfa/mfa.options';
import type { JwtOptions } from './jwt/jwt.options';
import type { MtlsOptions } from './mtls/mtls.options';
import type { OidcOptions } from './oidc/oidc.options';
import type { PasswordHashingOptions } from './login/password-hashing.options';
import type { PasskeyOptions } from './passkeys/passkeys.options';
import type { AuthRoutesOptions } from './routes/auth-routes.module';
import type { SessionOptions } from './session/session.options';
import type { AuthThrottleOptions, LockoutOptions } from './throttling/throttling.options';
import type { UsersOption } from './users/users.module';

/**
 * Options of AuthModule.forRoot / forRootAsync, one part per feature. Each part is resolved and
 * validated once, at start, by its feature. Durations are in seconds.
 */
export interface AuthModuleOptions extends AccountsOptions {
  /** Where sessions, rate limits and revocation fan-out live; without it, in the database and in memory (one instance). */
  redis?: AuthRedisOptions;
  /** Session cookies: secrets (required), idle and absolute timeouts. */
  session: SessionOptions;
  /** JWT access tokens and refresh tokens: signing key, rotation keys, issuer, audience, lifetimes. */
  jwt?: JwtOptions;
  /** API keys: prefix, default per-key rate limit, verification cache. */
  apiKeys?: ApiKeyOptions;
  /** Client certificates: the CAs that issue them, and the header a TLS-terminating proxy forwards them in. */
  mtls?: MtlsOptions;
  /** Requests per client IP to the register, login and token routes (default 10 per 60 s). */
  throttle?: AuthThrottleOptions;
  /** Back-off per account after consecutive failed logins (default: after 5, from 60 s doubling to 900 s). */
  lockout?: LockoutOptions;
  passwordHashing?: PasswordHashingOptions;
  audit?: AuditOptions;
  /** Where mails go (SMTP or an outbox folder: one is required), their links, lifetimes and limits. */
  email: EmailOptions;
  /** TOTP and recovery codes: the keys that encrypt TOTP secrets at rest (required), the issuer authenticator apps show. */
  mfa: MfaOptions;
  /** `GET /metrics` (Prometheus): its bearer token, and whether it may be open without one. */
  metrics?: MetricsOptions;
  /** Passkeys (WebAuthn): the relying party id, its name, and the origins ceremonies may come from. Without it there are no passkeys. */
  passkeys?: PasskeyOptions;
  /** Sign-in with OpenID providers (Google, any OpenID Connect issuer): the providers and the origin their redirect URIs are on. */
  oidc?: OidcOptions;
  /** How long after a sign-in the routes that change how one signs in accept the caller without asking again (default 600 s). */
  reauthentication?: ReauthenticationOptions;
}

/** What AuthModule.forRoot / forRootAsync take besides the options, because they shape the module itself. */
export interface AuthModuleExtras {
  /** Whether the module's services are visible to every module of the app (default true). The guard is global either way. */
  isGlobal?: boolean;
  /** The built-in HTTP routes: `false` for none, or `{ prefix }` to mount them elsewhere (default under `auth`). */
  routes?: AuthRoutesOptions | false;
  /** The host's own users: an adapter of the UserStore port. Default: the built-in `auth_users` table. */
  users?: UsersOption;
}
