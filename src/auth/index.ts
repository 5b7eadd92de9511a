// The module and its options.
export { AuthModule } from './auth.module';
export type { AuthModuleOptions, AuthModuleExtras } from './auth.options';
export type { AuthRoutesOptions } from './routes/auth-routes.module';
export type { UsersOption } from './users/users.module';
export type { AuthRedisOptions } from './core/redis.options';
export type { SessionOptions } from './session/session.options';
export type { JwtOptions, JwtAlgorithm } from './jwt/jwt.options';
export { JWT_ALGORITHMS } from './jwt/jwt.options';
export type { ApiKeyOptions } from './api-key/api-key.options';
export type { MtlsOptions } from './mtls/mtls.options';
export type { PasswordHashingOptions, FirebaseScryptOptions } from './login/password-hashing.options';
export { EncryptionKey } from './core/encryption-keys';
export type { AuthThrottleOptions, LockoutOptions } from './throttling/throttling.options';
export type { AuditOptions } from './audit/audit.options';
export type { EmailOptions } from './email/email.options';
export type { MailTemplates, MailKind, MailParams, MailContent } from './email/mail-templates';
export type { MfaOptions } from './mfa/mfa.options';
export type { PasskeyOptions } from './passkeys/passkeys.options';
export type { OidcOptions } from './oidc/oidc.options';
export type { MetricsOptions } from './ops/metrics.options';
export type { WebhookOptions } from './webhooks/webhooks.options';
export type { OrgsOptions, InvitationToDeliver } from './orgs/orgs.options';
export type { ImpersonationOptions } from './impersonation/impersonation.options';

// The features a host lists: `AuthModule.forRoot({ features: [sessions, jwt, apiKeys, password] })`.
export { sessions } from './session/session.feature';
export { jwt } from './jwt/jwt.feature';
export { apiKeys } from './api-key/api-key.feature';
export { mtls } from './mtls/mtls.feature';
export { password } from './login/password.feature';
export { email } from './email/email.feature';
export { mfa } from './mfa/mfa.feature';
export { passkeys } from './passkeys/passkeys.feature';
export { oidc } from './oidc/oidc.feature';
export { metrics, metricsAt } from './ops/metrics.feature';
export { pages } from './pages/pages.feature';
export { webhooks } from './webhooks/webhooks.feature';
export { orgs } from './orgs/orgs.feature';
export { impersonation } from './impersonation/impersonation.feature';
export type { AuthFeature } from './core/auth-feature';

// Decorators and the principal. The mechanisms' names (`'session'`, `'jwt'`, ...) come with their features' types.
export { Auth, Public, CurrentPrincipal } from './core/auth.decorator';
export type { AuthRouteOptions } from './core/auth.decorator';
export type { AuthPrincipal } from './core/auth-principal';
export type { AuthMechanismName, AuthCaller } from './core/auth-mechanism';
// The files declaring the built-in mechanisms' names (declaration merging), so that a consumer's
// `@Auth('session', 'jwt')` sees them in the published types; an empty export loads nothing at run time.
export {} from './session/session.mechanism';
export {} from './jwt/jwt.mechanism';
export {} from './api-key/api-key.mechanism';
export {} from './mtls/mtls.mechanism';
// `@Auth({ org, permissions })` and `principal.org`, merged into the route options and the principal by the orgs feature.
export {} from './orgs/org-access';
export type { RouteAuthorizer, RouteCheck } from './core/route-authorizers';
export { RouteAuthorizers } from './core/route-authorizers';
export { RateLimitedAuthRoute } from './throttling/rate-limited-auth-route.decorator';
export type { ReauthenticationOptions } from './core/reauthentication.options';
export { TooManyRequestsException } from './core/too-many-requests.exception';
export { addAuthSecuritySchemes } from './core/openapi';

// Services a host calls.
export { AccountsService } from './accounts/accounts.service';
export type { Registration, Actor } from './accounts/accounts.service';
export { PasswordLogin } from './login/password-login';
export { PasswordHasher } from './login/password-hasher';
export { SignInFunnel } from './login/sign-in-funnel';
export type { PasswordPolicyOptions } from './login/password-policy.options';
export { SessionsService } from './session/sessions.service';
export { JwtTokensService } from './jwt/jwt-tokens.service';
export type { TokenPair } from './jwt/jwt-tokens.service';
export { ApiKeysService } from './api-key/api-keys.service';
export type { CreatedApiKey, ApiKeyView, NewApiKey } from './api-key/api-keys.service';
export { ServiceAccountKeys, ServiceAccountError } from './api-key/service-account-keys';
export { ApiKeyFormat } from './api-key/api-key-format';
export { ServiceCertificatesService } from './mtls/service-certificates.service';
export type {
  CertificateOwner,
  NewServiceCertificate,
  RegisteredServiceCertificate,
  ServiceCertificateView,
} from './mtls/service-certificates.service';
export { fingerprintOf, normalizeFingerprint } from './mtls/fingerprint';
export { TrustedIssuers } from './mtls/trusted-issuers';
export { TrustedProxies } from './mtls/trusted-proxies';
export { normalizeEmail } from './core/email-address';
export { isScope } from './core/scopes';
export { LoginAttempts } from './throttling/login-attempts.service';
export { AuditLog } from './audit/audit-log.service';
export { OrgsService } from './orgs/orgs.service';
export { AuthTelemetry } from './core/auth-telemetry';

// The schema, for the host's DataSource.
export { authEntities } from './entities';
export type { AuthSchemaOptions } from './entities';
export { authMigrations } from './migrations';
export { waitForDatabase } from './core/database-startup';

// A host's own users table behind the UserStore port.
export type { UserStore, AuthUser, NewAuthUser, UserSearch, UserPage, ListedUser } from './core/user-store';
export { EmailTakenError } from './core/user-store';
export { typeOrmUserStore } from './users/typeorm-user-store.factory';
export type { UserColumns } from './users/typeorm-user-store.factory';
