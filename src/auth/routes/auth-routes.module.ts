import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { AccountController } from '../accounts/account.controller';
import { AdminController } from '../accounts/admin.controller';
import { ApiKeysController } from '../api-key/api-keys.controller';
import { JwksController } from '../jwt/jwks.controller';
import { MetricsController } from '../ops/metrics.controller';
import { TokensController } from '../jwt/tokens.controller';
import { ServiceCertificatesController } from '../mtls/service-certificates.controller';
import { EmailController } from '../email/email.controller';
import { PasskeysController } from '../passkeys/passkeys.controller';
import { MfaController } from '../mfa/mfa.controller';
import { OidcController } from '../oidc/oidc.controller';
import { SessionController } from '../session/session.controller';
import { ReauthenticationController } from '../login/reauthentication.controller';
import { AuthPagesModule } from '../pages/pages.module';
import { RouteInputMiddleware } from './route-input.middleware';

/** The built-in HTTP routes: `AuthModule.forRoot({ routes: … })` turns them off or mounts them elsewhere. */
export interface AuthRoutesOptions {
  /** Path the routes are mounted under (default `auth`: `/auth/login`, `/auth/token`, …). */
  prefix?: string;
  /** Serve the public signing keys at `/.well-known/jwks.json` (default true). */
  jwks?: boolean;
  /** Serve Prometheus metrics at `/metrics` (default true; see the `metrics` options for its token). */
  metrics?: boolean;
  /** Serve the account and admin pages at `/account`, `/account/reset-password` and `/admin` (default false). */
  pages?: boolean;
}

const CONTROLLERS = [
  AccountController,
  SessionController,
  TokensController,
  ApiKeysController,
  AdminController,
  EmailController,
  MfaController,
  ServiceCertificatesController,
  PasskeysController,
  OidcController,
  ReauthenticationController,
];

const ROUTES_PREFIX = Symbol('ROUTES_PREFIX');

/** Register, login, tokens, sessions, API keys, password and administration, under one prefix. */
@Module({})
export class AuthRoutesModule implements NestModule {
  static register(prefix: string, ...imports: DynamicModule[]): DynamicModule {
    return { module: AuthRoutesModule, imports, controllers: CONTROLLERS, providers: [{ provide: ROUTES_PREFIX, useValue: prefix }] };
  }

  constructor(@Inject(ROUTES_PREFIX) private readonly prefix: string) {}

  configure(consumer: MiddlewareConsumer): void {
    // One router layer for the whole prefix: `forRoutes(...CONTROLLERS)` adds one per route, and
    // every request to the host's routes behind them is matched against each in turn. Mounted at
    // the root, the routes share the paths with the host's, so only they are named.
    const input = consumer.apply(RouteInputMiddleware);
    if (this.prefix) input.forRoutes({ path: `${this.prefix}/{*path}`, method: RequestMethod.ALL });
    else input.forRoutes(...CONTROLLERS);
  }
}

/** `GET /.well-known/jwks.json`, where other services look for it, apart from the prefix. */
@Module({})
export class JwksRoutesModule {
  static register(...imports: DynamicModule[]): DynamicModule {
    return { module: JwksRoutesModule, imports, controllers: [JwksController] };
  }
}

/** `GET /metrics`, apart from the prefix. */
@Module({})
export class MetricsRoutesModule {
  static register(...imports: DynamicModule[]): DynamicModule {
    return { module: MetricsRoutesModule, imports, controllers: [MetricsController] };
  }
}

/** The path the built-in routes are mounted under, without slashes (`auth`); null with `routes: false`. */
export function authRoutesPrefix(options: AuthRoutesOptions | false | undefined): string | null {
  return options === false ? null : (options?.prefix ?? 'auth').replace(/^\/+|\/+$/g, '');
}

/** The route modules for the options, with RouterModule mounting the prefix; none with `routes: false`. */
export function authRouteModules(options: AuthRoutesOptions | false | undefined, imports: DynamicModule[]): DynamicModule[] {
  const prefix = authRoutesPrefix(options);
  if (options === false || prefix === null) return [];
  const routes = AuthRoutesModule.register(prefix, ...imports);
  const modules = [routes, RouterModule.register([{ path: prefix, module: AuthRoutesModule }])];
  if (options?.jwks ?? true) modules.push(JwksRoutesModule.register(...imports));
  if (options?.metrics ?? true) modules.push(MetricsRoutesModule.register(...imports));
  if (options?.pages) modules.push(AuthPagesModule.register({ apiPrefix: `/${prefix}` }, ...imports));
  return modules;
}
