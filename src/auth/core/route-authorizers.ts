import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthPrincipal } from './auth-principal';

/**
 * A decision a route asks for beyond mechanisms, roles, scopes and freshness, made from the request
 * (an organization named in the path and the caller's permissions in it). A feature registers one for
 * the `@Auth` option keys it reads, and adds those keys to `AuthRouteOptions` by declaration merging,
 * so `core/` names none of them and a route using an unregistered key stops the app at start.
 *
 * @example
 * declare module '../core/auth.decorator' { interface AuthRouteOptions { tenant?: string } }
 * authorizers.register({ keys: ['tenant'], prepare: (options) => (principal, request) => {...} });
 */
export interface RouteAuthorizer {
  /** The `@Auth` option keys it reads; a route with any of them is decided by it. */
  readonly keys: readonly string[];
  /**
   * Called once per route at start with the route's values of `keys`: throws to refuse a malformed
   * route, or answers the check the guard runs after the route's roles and scopes, before freshness.
   * The check throws an HTTP exception to refuse; it may set fields on the principal; it answers
   * synchronously whenever it can decide without I/O (the hot path).
   */
  prepare(options: Readonly<Record<string, unknown>>, route: string): RouteCheck;
}

export type RouteCheck = (principal: AuthPrincipal, request: Request) => void | Promise<void>;

/** The authorizers of one AuthModule instance, registered by the features at start. Never process-global. */
@Injectable()
export class RouteAuthorizers {
  private readonly byKey = new Map<string, RouteAuthorizer>();

  register(authorizer: RouteAuthorizer): void {
    for (const key of authorizer.keys) {
      if (this.byKey.has(key)) throw new Error(`AuthModule: @Auth option "${key}" is claimed twice`);
      this.byKey.set(key, authorizer);
    }
  }

  /** The checks for a route's extension options; an option no listed feature reads stops the app (fail closed). */
  checksFor(extensions: Readonly<Record<string, unknown>>, route: string): RouteCheck[] {
    const authorizers = new Set<RouteAuthorizer>();
    for (const key of Object.keys(extensions)) {
      const authorizer = this.byKey.get(key);
      if (!authorizer)
        throw new Error(`AuthModule: ${route} uses the @Auth option "${key}", which no listed feature provides`);
      authorizers.add(authorizer);
    }
    return [...authorizers].map((authorizer) => {
      const own = Object.fromEntries(authorizer.keys.filter((k) => k in extensions).map((k) => [k, extensions[k]]));
      return authorizer.prepare(own, route);
    });
  }
}
