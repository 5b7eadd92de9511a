import { ConfigurableModuleBuilder, DynamicModule, Provider } from '@nestjs/common';
import { resolveAccountsOptions, ACCOUNTS_OPTIONS } from './accounts/accounts.options';
import { AccountsModule } from './accounts/accounts.module';
import { API_KEY_OPTIONS, resolveApiKeyOptions } from './api-key/api-key.options';
import { ApiKeyAuthModule } from './api-key/api-key.module';
import { AUDIT_OPTIONS, resolveAuditOptions } from './audit/audit.options';
import { AuditModule } from './audit/audit.module';
import { AuthModuleExtras, AuthModuleOptions } from './auth.options';
import { AuthCoreModule } from './core/auth-core.module';
import { AuthTelemetry } from './core/auth-telemetry';
import { METRICS_OPTIONS, resolveMetricsOptions } from './ops/metrics.options';
import { PrometheusTelemetry } from './ops/prometheus-telemetry';
import { OpsModule } from './ops/ops.module';
import { EMAIL_OPTIONS, resolveEmailOptions } from './email/email.options';
import { EmailModule } from './email/email.module';
import { REDIS_OPTIONS, resolveRedisOptions } from './core/redis.options';
import { REAUTHENTICATION_OPTIONS, resolveReauthenticationOptions } from './core/reauthentication.options';
import { JWT_OPTIONS, resolveJwtOptions } from './jwt/jwt.options';
import { JwtAuthModule } from './jwt/jwt.module';
import { LoginModule } from './login/login.module';
import { MFA_OPTIONS, resolveMfaOptions } from './mfa/mfa.options';
import { MfaModule } from './mfa/mfa.module';
import { MTLS_OPTIONS, resolveMtlsOptions } from './mtls/mtls.options';
import { MtlsAuthModule } from './mtls/mtls.module';
import { OIDC_OPTIONS, resolveOidcOptions } from './oidc/oidc.options';
import { OidcModule } from './oidc/oidc.module';
import { PASSWORD_HASHING_OPTIONS, resolvePasswordHashingOptions } from './login/password-hashing.options';
import { PASSKEY_OPTIONS, resolvePasskeyOptions } from './passkeys/passkeys.options';
import { PasskeysModule } from './passkeys/passkeys.module';
import { authRouteModules, authRoutesPrefix } from './routes/auth-routes.module';
import { resolveSessionOptions, SESSION_OPTIONS } from './session/session.options';
import { SessionAuthModule } from './session/session.module';
import { LOCKOUT_OPTIONS, resolveLockoutOptions, resolveThrottleOptions, THROTTLE_OPTIONS } from './throttling/throttling.options';
import { ThrottlingModule } from './throttling/throttling.module';
import { UsersModule } from './users/users.module';

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<AuthModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras<AuthModuleExtras>({ isGlobal: true, routes: {}, users: undefined }, (definition, extras) =>
      composeAuthModule(definition, extras),
    )
    .build();

/** Each feature's part of the options, resolved and validated once, at start, under the feature's own token. */
const FEATURE_OPTIONS: Array<[symbol, (options: AuthModuleOptions) => unknown]> = [
  [REDIS_OPTIONS, (o) => resolveRedisOptions(o.redis)],
  [SESSION_OPTIONS, (o) => resolveSessionOptions(o.session)],
  [JWT_OPTIONS, (o) => resolveJwtOptions(o.jwt)],
  [API_KEY_OPTIONS, (o) => resolveApiKeyOptions(o.apiKeys)],
  [MTLS_OPTIONS, (o) => resolveMtlsOptions(o.mtls)],
  [THROTTLE_OPTIONS, (o) => resolveThrottleOptions(o.throttle)],
  [LOCKOUT_OPTIONS, (o) => resolveLockoutOptions(o.lockout)],
  [PASSWORD_HASHING_OPTIONS, (o) => resolvePasswordHashingOptions(o.passwordHashing)],
  [AUDIT_OPTIONS, (o) => resolveAuditOptions(o.audit)],
  [ACCOUNTS_OPTIONS, (o) => resolveAccountsOptions(o)],
  [METRICS_OPTIONS, (o) => resolveMetricsOptions(o.metrics)],
  [EMAIL_OPTIONS, (o) => resolveEmailOptions(o.email, o.session?.secrets?.[0] ?? '')],
  [PASSKEY_OPTIONS, (o) => resolvePasskeyOptions(o.passkeys)],
  [MFA_OPTIONS, (o) => resolveMfaOptions(o.mfa)],
  [OIDC_OPTIONS, (o) => resolveOidcOptions(o.oidc)],
  [REAUTHENTICATION_OPTIONS, (o) => resolveReauthenticationOptions(o.reauthentication)],
];

/**
 * Wires the feature modules of one AuthModule: each gets the modules it needs, built once here, so
 * that every feature shares one core (options, Redis, bus, mechanisms) and nothing is process-global.
 */
function composeAuthModule(definition: DynamicModule, extras: AuthModuleExtras): DynamicModule {
  const options: Provider[] = FEATURE_OPTIONS.map(([token, resolve]) => ({
    provide: token,
    inject: [MODULE_OPTIONS_TOKEN],
    useFactory: resolve,
  }));
  const core = AuthCoreModule.register({
    options: [...(definition.providers ?? []), ...options],
    optionTokens: FEATURE_OPTIONS.map(([token]) => token),
    telemetry: { provide: AuthTelemetry, useClass: PrometheusTelemetry },
    // A browser's session before a bearer token, then the machine credentials.
    mechanismOrder: ['session', 'jwt', 'apiKey', 'mtls'],
    imports: definition.imports ?? [],
  });
  const users = UsersModule.register(extras.users);
  const audit = AuditModule.register(core);
  const throttling = ThrottlingModule.register(core);
  const login = LoginModule.register(core, users, throttling, audit);
  const session = SessionAuthModule.register(core, audit);
  const jwt = JwtAuthModule.register(core, users, audit);
  const apiKey = ApiKeyAuthModule.register(core, users);
  const mtls = MtlsAuthModule.register(core, users);
  const accounts = AccountsModule.register(core, users, login, audit);
  const email = EmailModule.register(core, users, accounts, login, audit);
  const mfa = MfaModule.register(core, users, login, throttling, audit);
  const passkeys = PasskeysModule.register(core, users, login, audit, mfa);
  const oidc = OidcModule.register(authRoutesPrefix(extras.routes), core, users, session, jwt, audit, mfa);
  const ops = OpsModule.register(core);
  const features = [core, audit, throttling, login, session, jwt, apiKey, mtls, accounts, email, mfa, passkeys, oidc, ops];
  return {
    module: definition.module,
    global: extras.isGlobal,
    imports: [...features, users, ...authRouteModules(extras.routes, features)],
    exports: features,
  };
}
