import { Inject, Injectable, RequestMethod } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';

/** Where the module's built-in routes are mounted (`auth`), or null with `routes: false`. */
export const AUTH_ROUTES_PREFIX = Symbol('AUTH_ROUTES_PREFIX');

/** What Nest keeps of `setGlobalPrefix(prefix, { exclude })`: one compiled matcher per excluded route. */
interface ExcludedRoute {
  requestMethod?: RequestMethod;
  pathRegex?: RegExp;
}

/**
 * The paths the app really answers at: a route of the module (`account`, `auth/me`) under Nest's global
 * prefix (`app.setGlobalPrefix('api')`) unless the host excluded it from that prefix. The one place the
 * pages, their links and the module's redirects learn where they are mounted.
 *
 * Read when first asked, never at construction: the host sets the global prefix after the module is
 * built, and before the app listens.
 */
@Injectable()
export class AuthMountPoint {
  private readonly resolved = new Map<string, string>();

  constructor(
    private readonly config: ApplicationConfig,
    @Inject(AUTH_ROUTES_PREFIX) private readonly routesPrefix: string | null,
  ) {}

  /** The absolute path of a GET route declared at `routePath` (no leading slash needed): `account` -> `/api/account`. */
  path(routePath: string): string {
    let path = this.resolved.get(routePath);
    if (path === undefined) {
      path = this.resolve(routePath);
      this.resolved.set(routePath, path);
    }
    return path;
  }

  /** The absolute path of one of the module's built-in routes: `me` -> `/api/auth/me`; the prefix alone for ``. */
  api(routePath = ''): string {
    if (this.routesPrefix === null) throw new Error('AuthModule: the built-in routes are off (routes: false)');
    return this.path(joinPath(this.routesPrefix, routePath));
  }

  private resolve(routePath: string): string {
    const route = `/${joinPath(routePath)}`;
    const prefix = joinPath(this.config.getGlobalPrefix() ?? '');
    if (!prefix) return route;
    const exclude = (this.config.getGlobalPrefixOptions()?.exclude ?? []) as ExcludedRoute[];
    const excluded = exclude.some(
      (excluded) =>
        (excluded.requestMethod === undefined ||
          excluded.requestMethod === RequestMethod.ALL ||
          excluded.requestMethod === RequestMethod.GET) &&
        excluded.pathRegex?.test(route) === true,
    );
    return excluded ? route : `/${prefix}${route === '/' ? '' : route}`;
  }
}

function joinPath(...parts: string[]): string {
  return parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}
