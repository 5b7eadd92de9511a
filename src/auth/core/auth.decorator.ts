import { applyDecorators, createParamDecorator, ExecutionContext, UseGuards } from '@nestjs/common';
import { ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { AuthCaller, AuthMechanismName } from './auth-mechanism';
import type { AuthPrincipal } from './auth-principal';
import { AuthGuard } from './auth.guard';
import { AuthRequirement, AuthRequirementMetadata, PublicMetadata } from './auth-metadata';

/** The options core reads itself; any other key belongs to a feature's `RouteAuthorizer`. */
const CORE_OPTIONS: ReadonlySet<string> = new Set(['scopes', 'roles', 'caller', 'fresh', 'changesSignIn']);

/** Features add the keys their authorizers read by declaration merging (see `RouteAuthorizer`). */
export interface AuthRouteOptions {
  /** Every listed scope must be granted to a scoped credential (an API key); unscoped ones (a session, a JWT) act with the user's rights. */
  scopes?: string[];
  /** The user must hold at least one of these roles. */
  roles?: string[];
  /** With no mechanism named: every mechanism of the module whose credentials stand for this kind of caller. */
  caller?: AuthCaller;
  /**
   * The caller must have proved who it is within the module's `reauthentication.maxAgeSeconds`; with
   * `secondFactor`, a user who has a second factor must have used it in that proof.
   */
  fresh?: boolean | { secondFactor?: boolean };
  /**
   * The route changes how the user signs in (a password, an address, a factor, a key): a principal
   * with an `actor` (an admin impersonating the user) is refused with 403, as on every `fresh` route.
   */
  changesSignIn?: boolean;
}

/**
 * Requires authentication by one of the named mechanisms (any of the module's when none is named),
 * and optionally scopes and roles. Routes without `@Auth` or `@Public` are denied. On a method it
 * overrides its class's `@Auth` or `@Public`, never the reverse.
 *
 * @example
 * `@Auth('apiKey', { scopes: ['reports:read'] })`
 * `@Auth({ caller: 'user', roles: ['admin'] })`
 * `@Auth({ caller: 'user' })` (every mechanism listed that signs people in)
 * `@Auth({ caller: 'user', fresh: { secondFactor: true } })`
 * `@Auth()`
 */
export function Auth(...args: Array<AuthMechanismName | AuthRouteOptions>): MethodDecorator & ClassDecorator {
  const named = args.filter((a): a is AuthMechanismName => typeof a === 'string');
  const options = args.find((a): a is AuthRouteOptions => typeof a === 'object' && a !== null) ?? {};
  const requirement: AuthRequirement = {
    mechanisms: named.length ? [...new Set(named)] : 'any',
    ...(options.caller && !named.length ? { caller: options.caller } : {}),
    scopes: [...(options.scopes ?? [])],
    roles: [...(options.roles ?? [])],
    fresh: options.fresh
      ? { secondFactor: typeof options.fresh === 'object' && options.fresh.secondFactor === true }
      : null,
    extensions: Object.fromEntries(
      Object.entries(options).filter(([key, value]) => !CORE_OPTIONS.has(key) && value !== undefined),
    ),
    changesSignIn: options.changesSignIn === true,
  };
  // Routes of `@Auth()` are given the security of every mechanism at start, when the module knows them.
  const openApi = requirement.mechanisms === 'any' ? [] : requirement.mechanisms.map((name) => ApiSecurity(name));
  const forbidden =
    requirement.scopes.length || requirement.roles.length || Object.keys(requirement.extensions).length
      ? [ApiForbiddenResponse({ description: 'Missing scope, role or permission' })]
      : [];
  return applyDecorators(
    AuthRequirementMetadata(requirement),
    // For hosts that leave the guard off globally (adopting route by route); with it on, the guard decides once per request.
    UseGuards(AuthGuard),
    ...openApi,
    ApiUnauthorizedResponse({
      description: requirement.fresh
        ? 'Missing or invalid credentials, or `Reauthentication required`'
        : 'Missing or invalid credentials',
    }),
    ...forbidden,
  );
}

/**
 * Opens a route to everyone; the only way to opt out of the global guard. On a method it overrides
 * its class's `@Auth`, never the reverse.
 *
 * @example
 * `@Public() @Get('health') health() {}`
 */
export function Public(): MethodDecorator & ClassDecorator {
  return PublicMetadata(true);
}

/**
 * The authenticated principal of the current request.
 *
 * @example
 * `me(@CurrentPrincipal() principal: AuthPrincipal) {}`
 */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthPrincipal => ctx.switchToHttp().getRequest().user,
);
