import type { AccountsOptions } from './accounts/accounts.options';
import type { ApiKeyOptions } from './api-key/api-key.options';
import type { AuditOptions } from './audit/audit.options';
import type { AuthFeature } from './core/auth-feature';
import type { AuthRedisOptions } from './core/redis.options';
import type { ReauthenticationOptions } from './core/reauthentication.options';
import type { EmailOptions } from './email/email.options';
import type { MetricsOptions } from './ops/metrics.options';
import type { MfaOptions } from './mfa/mfa.options';
import type { ImpersonationOptions } from './impersonation/impersonation.options';
import type { JwtOptions } from './jwt/jwt.options';
import type { MtlsOptions } from './mtls/mtls.options';
import type { OidcOptions } from './oidc/oidc.options';
import type { PasswordHashingOptions } from './login/password-hashing.options';
import type { PasswordPolicyOptions } from './login/password-policy.options';
import type { PasskeyOptions } from './passkeys/passkeys.options';
import type { AuthRoutesOptions } from './routes/auth-routes.module';
import type { SessionOptions } from './session/session.options';
import type { AuthThrottleOptions, LockoutOptions } from './throttling/throttling.options';
import type { UsersOption } from './users/users.module';
import type { WebhookOptions } from './webhooks/webhooks.options';
import type { OrgsOptions } from './orgs/orgs.options';

/**
 * Options of AuthModule.forRoot / forRootAsync, one part per feature. Only the parts of the listed
 * features are read, and each is resolved and validated once, at start, by its feature. Durations
 * are in seconds.
 */
export interface AuthModuleOptions extends AccountsOptions {
  /** Where sessions, rate limits and revocation fan-out live; without it, in the database and in memory (one instance). */
  redis?: AuthRedisOptions;
  /** `sessions`: session cookies: secrets (required), idle and absolute timeouts. */
  session?: SessionOptions;
  /** `jwt`: access tokens and refresh tokens: signing key, rotation keys, issuer, audience, lifetimes. */
  jwt?: JwtOptions;
  /** `apiKeys`: prefix, default per-key rate limit, verification cache. */
  apiKeys?: ApiKeyOptions;
  /** `mtls`: the CAs that issue client certificates, and the header a TLS-terminating proxy forwards them in. */
  mtls?: MtlsOptions;
  /** Requests per client IP to the routes that take credentials (default 10 per 60 s). */
  throttle?: AuthThrottleOptions;
  /** Back-off per account after consecutive failed logins (default: after 5, from 60 s doubling to 900 s). */
  lockout?: LockoutOptions;
  passwordHashing?: PasswordHashingOptions;
  /** New passwords: the common-password list always, and optionally Have I Been Pwned's range API. */
  passwords?: PasswordPolicyOptions;
  audit?: AuditOptions;
  /** `email`: where mails go (SMTP or an outbox folder: one is required), their links, lifetimes and limits. `requireVerified` applies to every way to sign in. */
  email?: EmailOptions;
  /** `mfa`: the keys that encrypt TOTP secrets at rest (required), the issuer authenticator apps show. */
  mfa?: MfaOptions;
  /** `impersonation`: whether the user gets a notice mail (default true), how long an impersonation lasts. */
  impersonation?: ImpersonationOptions;
  /** `metrics`: the bearer token of the metrics route, and whether it may be open without one. */
  metrics?: MetricsOptions;
  /** `passkeys`: the relying party id, its name, and the origins ceremonies may come from. */
  passkeys?: PasskeyOptions;
  /** `oidc`: the providers, and the origin their redirect URIs are on. */
  oidc?: OidcOptions;
  /** `orgs`: the header that may name the organization, the invitation link, invitations per hour, delivery without `email`. */
  orgs?: OrgsOptions;
  /** How long after a sign-in the routes that change how one signs in accept the caller without asking again (default 600 s). */
  reauthentication?: ReauthenticationOptions;
  /** `webhooks`: the keys that encrypt endpoint secrets (default `mfa.encryptionKeys`), which targets may be called. */
  webhooks?: WebhookOptions;
}

/** What AuthModule.forRoot / forRootAsync take besides the options, because they shape the module itself. */
export interface AuthModuleExtras {
  /** The features of this app, e.g. `[sessions, jwt, apiKeys, password]`: nothing unlisted is loaded, mounted or created. */
  features?: AuthFeature[];
  /** Whether the module's services are visible to every module of the app (default true). */
  isGlobal?: boolean;
  /**
   * Whether the guard runs on every route of the app, denying those without `@Auth` or `@Public` (default true).
   * `false` for adopting route by route: only routes with `@Auth` are guarded, every other route stays open.
   */
  globalGuard?: boolean;
  /** The built-in HTTP routes: `false` for none, or `{ prefix }` to mount them elsewhere (default under `auth`). */
  routes?: AuthRoutesOptions | false;
  /** The host's own users: an adapter of the UserStore port. Default: the built-in `auth_users` table. */
  users?: UsersOption;
}
