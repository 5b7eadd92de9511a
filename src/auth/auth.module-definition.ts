import { ConfigurableModuleBuilder, DynamicModule, Provider, Type } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { resolveAccountsOptions, ACCOUNTS_OPTIONS } from './accounts/accounts.options';
import { AccountController } from './accounts/account.controller';
import { AccountsModule } from './accounts/accounts.module';
import { AdminController } from './accounts/admin.controller';
import { AUDIT_OPTIONS, resolveAuditOptions } from './audit/audit.options';
import { AuditModule } from './audit/audit.module';
import { AuthModuleExtras, AuthModuleOptions } from './auth.options';
import { AuthFeature, checkFeatures, FeatureComposition } from './core/auth-feature';
import { AuthCoreModule } from './core/auth-core.module';
import { AuthTelemetry, NoTelemetry } from './core/auth-telemetry';
import { REDIS_OPTIONS, resolveRedisOptions } from './core/redis.options';
import { SIGN_IN_POLICY, SignInPolicy } from './core/sign-in-policy';
import { REAUTHENTICATION_OPTIONS, resolveReauthenticationOptions } from './core/reauthentication.options';
import { LoginModule } from './login/login.module';
import { ReauthenticationController } from './login/reauthentication.controller';
import { PASSWORD_HASHING_OPTIONS, resolvePasswordHashingOptions } from './login/password-hashing.options';
import { AuthRoutesModule, authRoutesPrefix, mountedControllers } from './routes/auth-routes.module';
import { PASSWORD_POLICY_OPTIONS, resolvePasswordPolicyOptions } from './login/password-policy.options';
import {
  LOCKOUT_OPTIONS,
  resolveLockoutOptions,
  resolveThrottleOptions,
  THROTTLE_OPTIONS,
} from './throttling/throttling.options';
import { ThrottlingModule } from './throttling/throttling.module';
import { UsersModule } from './users/users.module';

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<AuthModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras<AuthModuleExtras>(
      { features: [], isGlobal: true, routes: {}, users: undefined, globalGuard: true },
      (definition, extras) => composeAuthModule(definition, extras),
    )
    .build();

/** What every composition has, whatever its features: the options of the base modules. */
const BASE_OPTIONS: Array<[symbol, (options: AuthModuleOptions) => unknown]> = [
  [REDIS_OPTIONS, (o) => resolveRedisOptions(o.redis)],
  [THROTTLE_OPTIONS, (o) => resolveThrottleOptions(o.throttle)],
  [LOCKOUT_OPTIONS, (o) => resolveLockoutOptions(o.lockout)],
  [PASSWORD_HASHING_OPTIONS, (o) => resolvePasswordHashingOptions(o.passwordHashing)],
  [PASSWORD_POLICY_OPTIONS, (o) => resolvePasswordPolicyOptions(o.passwords)],
  [AUDIT_OPTIONS, (o) => resolveAuditOptions(o.audit)],
  [ACCOUNTS_OPTIONS, (o) => resolveAccountsOptions(o)],
  [SIGN_IN_POLICY, (o): SignInPolicy => ({ requireVerifiedEmail: o.email?.requireVerified === true })],
  [REAUTHENTICATION_OPTIONS, (o) => resolveReauthenticationOptions(o.reauthentication)],
];

/**
 * Wires one AuthModule from the host's list of features: the base modules every feature builds on
 * (core, users, audit, throttling, login, accounts), then each listed feature's module, options,
 * routes and mechanisms. Nothing unlisted is loaded, mounted or read; nothing is process-global.
 */
function composeAuthModule(definition: DynamicModule, extras: AuthModuleExtras): DynamicModule {
  const features = checkFeatures(extras.features ?? []);
  const resolvers = [
    ...BASE_OPTIONS.map(([token, resolve]) => ({ token, resolve })),
    ...features.flatMap((feature) => feature.options ?? []),
  ];
  const options: Provider[] = resolvers.map(({ token, resolve }) => ({
    provide: token,
    inject: [MODULE_OPTIONS_TOKEN],
    useFactory: (all: AuthModuleOptions) => resolve(all),
  }));
  const telemetry: Type = features.find((feature) => feature.telemetry)?.telemetry ?? NoTelemetry;
  const core = AuthCoreModule.register({
    options: [...(definition.providers ?? []), ...options],
    optionTokens: resolvers.map(({ token }) => token),
    telemetry: { provide: AuthTelemetry, useClass: telemetry },
    mechanismOrder: features
      .flatMap((feature) => (feature.mechanism ? [feature.mechanism] : []))
      .sort((a, b) => a.rank - b.rank)
      .map((mechanism) => mechanism.name),
    globalGuard: extras.globalGuard ?? true,
    routesPrefix: authRoutesPrefix(extras.routes),
    imports: definition.imports ?? [],
  });
  const users = UsersModule.register(extras.users);
  const audit = AuditModule.register(core);
  const throttling = ThrottlingModule.register(core);
  const login = LoginModule.register(core, users, throttling, audit);
  const accounts = AccountsModule.register(core, users, login, audit);
  const base = [core, users, audit, throttling, login, accounts];
  const composition: FeatureComposition = {
    routesPrefix: authRoutesPrefix(extras.routes),
    listed: new Set(features.map((f) => f.name)),
  };
  const featureModules = features.map((feature) => feature.module(base, composition));
  const issuers = new Set(features.flatMap((feature) => (feature.issuer ? [feature.issuer] : [])));
  const everything = [...base, ...featureModules];
  return {
    module: definition.module,
    global: extras.isGlobal,
    imports: [...everything, ...routeModules(features, composition, issuers, everything)],
    exports: everything,
  };
}

/** The modules that mount the listed features' routes: under the prefix, at the root, and at each feature's own path. */
function routeModules(
  features: AuthFeature[],
  composition: FeatureComposition,
  issuers: ReadonlySet<string>,
  imports: DynamicModule[],
): DynamicModule[] {
  const modules: DynamicModule[] = [];
  const prefix = composition.routesPrefix;
  if (prefix !== null) {
    // The caller's account and the administration of users come with every composition.
    const controllers = mountedControllers(
      [
        AccountController,
        AdminController,
        ReauthenticationController,
        ...features.flatMap((feature) => feature.controllers ?? []),
      ],
      issuers,
    );
    const routes = AuthRoutesModule.register(prefix, controllers, ...imports);
    modules.push(routes, RouterModule.register([{ path: prefix, module: routes.module }]));
  }
  // `routes: false` serves nothing of the module's own, at the root either.
  for (const feature of prefix === null ? [] : features) {
    if (!feature.rootControllers?.length) continue;
    const mounted = RootRoutesModule.for(feature.name, feature.rootControllers, imports);
    modules.push(mounted);
    if (feature.rootPath) modules.push(RouterModule.register([{ path: feature.rootPath, module: mounted.module }]));
  }
  return modules;
}

/** One module per feature that mounts controllers outside the prefix, so RouterModule can give each its own path. */
const RootRoutesModule = {
  for(name: string, controllers: readonly Type[], imports: DynamicModule[]): DynamicModule {
    const module = { [`${name}RootRoutes`]: class {} }[`${name}RootRoutes`];
    return { module, imports, controllers: [...controllers] };
  },
};
