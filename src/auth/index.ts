export { AuthModule } from './auth.module';
export type { AuthModuleOptions, AuthModuleExtras } from './auth.options';
export type { AuthRoutesOptions } from './routes/auth-routes.module';
export type { UsersOption } from './users/users.module';

export type { AuthPrincipal } from './core/auth-principal';
export type { AuthMechanism, AuthMechanismName, AuthMechanismNames } from './core/auth-mechanism';
export { AuthMechanisms } from './core/auth-mechanism';
export { Auth, Public, CurrentPrincipal } from './core/auth.decorator';
export type { AuthRouteOptions } from './core/auth.decorator';
export { AuthGuard } from './core/auth.guard';
export { configureAuthHttp } from './core/http-hardening';
export { runStrategy, privatePassportInstance } from './core/passport-strategy-runner';
export type { UserStore, AuthUser, NewAuthUser, UserSearch, UserPage, ListedUser } from './core/user-store';
export { EmailTakenError } from './core/user-store';
export type { IdentifiedUser } from './core/identified-user';
export { SecondStep } from './core/second-step';
export { ReauthenticationMethods } from './core/reauthentication-methods';
export type { ReauthenticationMethod } from './core/reauthentication-methods';
export type { ReauthenticationOptions } from './core/reauthentication.options';
export type { AuthenticationProof } from './core/authentication-proof';
export type { SecondFactor, SecondStepChallenge } from './core/second-step';
export { RevocationBus } from './core/revocation-bus';
export type { RevocationEvent, RevocationEvents } from './core/revocation-bus';
export { AUTH_REDIS } from './core/redis.provider';
export type { AuthRedis } from './core/redis.provider';
export type { AuthRedisOptions } from './core/redis.options';
export { TooManyRequestsException } from './core/too-many-requests.exception';

export { authEntities } from './entities';
export type { AuthSchemaOptions } from './entities';
export { authMigrations } from './migrations';

export { AccountsService } from './accounts/accounts.service';
export type { Registration, Actor } from './accounts/accounts.service';
export { PasswordLogin } from './login/password-login';
export type { PasswordHashingOptions } from './login/password-hashing.options';
export { SessionsService } from './session/sessions.service';
export type { SessionOptions } from './session/session.options';
export { JwtTokensService } from './jwt/jwt-tokens.service';
export type { TokenPair } from './jwt/jwt-tokens.service';
export type { JwtOptions, JwtAlgorithm } from './jwt/jwt.options';
export { JwtKeyRing } from './jwt/jwt-key-ring';
export { ApiKeysService } from './api-key/api-keys.service';
export type { CreatedApiKey, ApiKeyView, NewApiKey } from './api-key/api-keys.service';
export type { ApiKeyOptions } from './api-key/api-key.options';
export { ApiKeyFormat } from './api-key/api-key-format';
export { ServiceAccountKeys, ServiceAccountError } from './api-key/service-account-keys';
export { ServiceCertificatesService } from './mtls/service-certificates.service';
export type {
  CertificateOwner,
  NewServiceCertificate,
  RegisteredServiceCertificate,
  ServiceCertificateView,
} from './mtls/service-certificates.service';
export type { MtlsOptions } from './mtls/mtls.options';
export { fingerprintOf, normalizeFingerprint } from './mtls/fingerprint';
export { RateLimitedAuthRoute } from './throttling/rate-limited-auth-route.decorator';
export { AuthThrottlerGuard } from './throttling/auth-throttler.guard';
export { LoginAttempts } from './throttling/login-attempts.service';
export type { AuthThrottleOptions, LockoutOptions } from './throttling/throttling.options';
export { AuditLog } from './audit/audit-log.service';
export type { AuditOptions } from './audit/audit.options';
export { addAuthSecuritySchemes } from './core/openapi';
export { createAuthLogging, PinoLoggerService, REDACTED_PATHS } from './ops/logging';
export { aboutRequest } from './core/request-log';
export type { AuthLogging, AuthLoggingOptions } from './ops/logging';
export type { MetricsOptions } from './ops/metrics.options';
export { AuthTelemetry } from './core/auth-telemetry';
export { AuthHealthIndicators } from './ops/auth-health.indicators';
export type { EmailOptions } from './email/email.options';
export type { MfaOptions } from './mfa/mfa.options';
export { OneTimeCodes } from './mfa/one-time-codes.service';
export { EmailFlows } from './email/email-flows.service';
export type { MailTemplates, MailKind, MailParams, MailContent } from './email/mail-templates';
export { Passkeys } from './passkeys/passkeys.service';
export type { PasskeyView, AssertionExpectations } from './passkeys/passkeys.service';
export type { PasskeyOptions } from './passkeys/passkeys.options';
