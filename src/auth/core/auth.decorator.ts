import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { AuthMechanismName } from './auth-mechanism';
import type { AuthPrincipal } from './auth-principal';

export interface AuthRouteOptions {
  /** Every listed scope must be granted to a scoped credential (an API key); unscoped ones (a session, a JWT) act with the user's rights. */
  scopes?: string[];
  /** The user must hold at least one of these roles. */
  roles?: string[];
  /**
   * The caller must have proved who it is within the module's `reauthentication.maxAgeSeconds`; with
   * `secondFactor`, a user who has a second factor must have used it in that proof.
   */
  fresh?: boolean | { secondFactor?: boolean };
}

/** What a route of `fresh` asks of the caller's last proof of identity. */
export interface FreshnessRequirement {
  secondFactor: boolean;
}

export interface AuthRequirement {
  /** The mechanisms a route accepts, in the order they are tried; `any`: every mechanism of the module. */
  mechanisms: AuthMechanismName[] | 'any';
  scopes: string[];
  roles: string[];
  fresh: FreshnessRequirement | null;
}

export const AuthRequirementMetadata = Reflector.createDecorator<AuthRequirement>();
export const PublicMetadata = Reflector.createDecorator<true>();

/**
 * Requires authentication by one of the named mechanisms (any of the module's when none is named),
 * and optionally scopes and roles. Routes without `@Auth` or `@Public` are denied. On a method it
 * overrides its class's `@Auth` or `@Public`, never the reverse.
 *
 * @example
 * `@Auth('apiKey', { scopes: ['reports:read'] })`
 * `@Auth('session', 'jwt', { roles: ['admin'] })`
 * `@Auth('session', 'jwt', { fresh: { secondFactor: true } })`
 * `@Auth()`
 */
export function Auth(...args: Array<AuthMechanismName | AuthRouteOptions>): MethodDecorator & ClassDecorator {
  const named = args.filter((a): a is AuthMechanismName => typeof a === 'string');
  const options = args.find((a): a is AuthRouteOptions => typeof a === 'object' && a !== null) ?? {};
  const requirement: AuthRequirement = {
    mechanisms: named.length ? [...new Set(named)] : 'any',
    scopes: [...(options.scopes ?? [])],
    roles: [...(options.roles ?? [])],
    fresh: options.fresh ? { secondFactor: typeof options.fresh === 'object' && options.fresh.secondFactor === true } : null,
  };
  // Routes of `@Auth()` are given the security of every mechanism at start, when the module knows them.
  const openApi = requirement.mechanisms === 'any' ? [] : requirement.mechanisms.map((name) => ApiSecurity(name));
  const forbidden =
    requirement.scopes.length || requirement.roles.length ? [ApiForbiddenResponse({ description: 'Missing scope or role' })] : [];
  return applyDecorators(
    AuthRequirementMetadata(requirement),
    ...openApi,
    ApiUnauthorizedResponse({
      description: requirement.fresh ? 'Missing or invalid credentials, or `Reauthentication required`' : 'Missing or invalid credentials',
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
