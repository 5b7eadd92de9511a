import { CanActivate, ExecutionContext, ForbiddenException, HttpException, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AuthMechanism, AuthPrincipal } from './auth-principal';
import { AuthRequirement, AuthRequirementMetadata, PublicMetadata } from './auth.decorator';
import { CsrfService } from '../session/csrf.service';
import { hasBearerScheme } from '../jwt/bearer-token';
import { isStrategyRegistered, runStrategies } from './run-strategies';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether the request carries a credential of the mechanism at all. Only those strategies run,
 * so a bearer request does not pay for a session attempt first (the hot path), and a request with no
 * credential is refused without running any strategy.
 */
const CREDENTIAL_PRESENT: Record<AuthMechanism, (request: Request) => boolean> = {
  session: (request) => request.session?.auth !== undefined,
  jwt: hasBearerScheme,
  apiKey: (request) => request.headers['x-api-key'] !== undefined,
};

/**
 * The one global guard. Routes say who may call them with `@Auth` or `@Public`; a route that says
 * neither is denied, so a forgotten decorator fails closed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);
  private readonly requirements = new WeakMap<object, AuthRequirement | 'public' | undefined>();

  constructor(
    private readonly reflector: Reflector,
    private readonly csrf: CsrfService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement = this.requirementOf(context);
    if (requirement === 'public') return true;
    if (!requirement) throw new ForbiddenException('Route is not open to any caller');

    const request = context.switchToHttp().getRequest<Request & { user: AuthPrincipal }>();
    const strategies = requirement.strategies.filter((name) => isStrategyRegistered(name) && CREDENTIAL_PRESENT[name](request));
    const principal = strategies.length ? await this.authenticate(strategies, request) : null;
    if (!principal) {
      // RFC 6750 §3: a bearer token was sent and refused. One generic answer whatever the reason, so failures cannot be told apart.
      if (strategies.includes('jwt')) context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new UnauthorizedException('Unauthorized');
    }
    request.user = principal;

    this.checkCsrf(request);
    this.checkPermissions(request.user, requirement);
    return true;
  }

  /** Route metadata never changes after start, so it is read once per handler, not per request. */
  private requirementOf(context: ExecutionContext): AuthRequirement | 'public' | undefined {
    const handler = context.getHandler();
    if (this.requirements.has(handler)) return this.requirements.get(handler);
    const targets = [handler, context.getClass()];
    const requirement = this.reflector.getAllAndOverride(PublicMetadata, targets)
      ? 'public'
      : this.reflector.getAllAndOverride(AuthRequirementMetadata, targets);
    this.requirements.set(handler, requirement);
    return requirement;
  }

  /** A strategy that fails with anything but an HTTP error (a bug, an outage) refuses the request rather than answer 500. */
  private async authenticate(strategies: AuthMechanism[], request: Request): Promise<AuthPrincipal | null> {
    try {
      return await runStrategies<AuthPrincipal>(strategies, request);
    } catch (error) {
      if (error instanceof HttpException) throw error;
      this.logger.warn(`Authentication failed with an error: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  private checkCsrf(request: Request & { user: AuthPrincipal }): void {
    if (request.user.via !== 'session' || !UNSAFE_METHODS.has(request.method)) return;
    if (!this.csrf.verify(request.sessionID, request.header('x-csrf-token'))) {
      throw new ForbiddenException('Invalid CSRF token');
    }
  }

  private checkPermissions(principal: AuthPrincipal, requirement: AuthRequirement): void {
    if (requirement.roles.length && !requirement.roles.some((role) => principal.user.roles.includes(role))) {
      throw new ForbiddenException('Insufficient role');
    }
    if (principal.via === 'apiKey' && !requirement.scopes.every((scope) => principal.scopes?.includes(scope))) {
      throw new ForbiddenException('Insufficient scope');
    }
  }
}
