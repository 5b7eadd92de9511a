import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiCookieAuth, ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AUTH_MECHANISMS, AuthMechanism, AuthPrincipal } from './auth-principal';

export interface AuthRequirement {
  strategies: AuthMechanism[];
  /** Every listed scope must be granted to an API key; session and JWT principals act with their user's rights. */
  scopes: string[];
  /** The user must hold at least one of these roles. */
  roles: string[];
}

export interface AuthRouteOptions {
  scopes?: string[];
  roles?: string[];
}

export const AuthRequirementMetadata = Reflector.createDecorator<AuthRequirement>();
export const PublicMetadata = Reflector.createDecorator<true>();

export const OPENAPI_SCHEMES: Record<AuthMechanism, string> = {
  session: 'session',
  jwt: 'bearer',
  apiKey: 'apiKey',
};

/**
 * Requires authentication by one of the named mechanisms (all three when none is named),
 * and optionally scopes and roles. Routes without `@Auth` or `@Public` are denied.
 *
 * @example
 * `@Auth('apiKey', { scopes: ['reports:read'] })`
 * `@Auth('session', 'jwt', { roles: ['admin'] })`
 * `@Auth()`
 */
export function Auth(...args: Array<AuthMechanism | AuthRouteOptions>): MethodDecorator & ClassDecorator {
  const named = args.filter((a): a is AuthMechanism => typeof a === 'string');
  const options = args.find((a): a is AuthRouteOptions => typeof a === 'object' && a !== null) ?? {};
  for (const name of named) {
    if (!AUTH_MECHANISMS.includes(name)) throw new Error(`@Auth: unknown mechanism "${name}"`);
  }
  const strategies = named.length ? [...new Set(named)] : [...AUTH_MECHANISMS];
  const requirement: AuthRequirement = {
    strategies,
    scopes: options.scopes ?? [],
    roles: options.roles ?? [],
  };
  const openApi = strategies.map((s) =>
    s === 'session'
      ? ApiCookieAuth(OPENAPI_SCHEMES.session)
      : s === 'jwt'
        ? ApiBearerAuth(OPENAPI_SCHEMES.jwt)
        : ApiSecurity(OPENAPI_SCHEMES.apiKey),
  );
  const forbidden =
    requirement.scopes.length || requirement.roles.length ? [ApiForbiddenResponse({ description: 'Missing scope or role' })] : [];
  return applyDecorators(
    AuthRequirementMetadata(requirement),
    ...openApi,
    ApiUnauthorizedResponse({ description: 'Missing or invalid credentials' }),
    ...forbidden,
  );
}

/**
 * Opens a route to everyone; the only way to opt out of the global guard.
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
