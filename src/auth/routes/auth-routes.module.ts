import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, RequestMethod, Type } from '@nestjs/common';
import { mountableController } from './issuing-route.decorator';
import { JsonBodyMiddleware } from './json-body.middleware';
import { RouteInputMiddleware } from './route-input.middleware';

/** The built-in HTTP routes: `AuthModule.forRoot({ routes: … })` turns them off or mounts them elsewhere. */
export interface AuthRoutesOptions {
  /** Path the routes are mounted under (default `auth`: `/auth/login`, `/auth/token`, …). */
  prefix?: string;
}

const MOUNTED_ROUTES = Symbol('MOUNTED_ROUTES');

/** The listed features' routes under one prefix, each issuing route only where its issuer is listed. */
@Module({})
export class AuthRoutesModule implements NestModule {
  static register(prefix: string, controllers: Type[], ...imports: DynamicModule[]): DynamicModule {
    return {
      module: AuthRoutesModule,
      imports,
      controllers,
      providers: [{ provide: MOUNTED_ROUTES, useValue: { prefix, controllers } }],
    };
  }

  constructor(@Inject(MOUNTED_ROUTES) private readonly routes: { prefix: string; controllers: Type[] }) {}

  configure(consumer: MiddlewareConsumer): void {
    // Only the module's own routes: a host keeps its own body parser and limits everywhere else. One
    // router layer for the whole prefix (forRoutes(...controllers) adds one per route, and every
    // request to the host's routes is matched against each in turn); at the root, the routes share
    // their paths with the host's, so only they are named.
    const input = consumer.apply(JsonBodyMiddleware, RouteInputMiddleware);
    if (this.routes.prefix) input.forRoutes({ path: `${this.routes.prefix}/{*path}`, method: RequestMethod.ALL });
    else if (this.routes.controllers.length) input.forRoutes(...this.routes.controllers);
  }
}

/** The path the built-in routes are mounted under, without slashes (`auth`); null with `routes: false`. */
export function authRoutesPrefix(options: AuthRoutesOptions | false | undefined): string | null {
  return options === false ? null : (options?.prefix ?? 'auth').replace(/^\/+|\/+$/g, '');
}

/** The controllers as mounted for the listed issuers (see `IssuingRoute`). */
export function mountedControllers(controllers: readonly Type[], issuers: ReadonlySet<string>): Type[] {
  return controllers.map((controller) => mountableController(controller, issuers));
}
