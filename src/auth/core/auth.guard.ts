import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AuthMechanism, AuthPrincipal } from './auth-principal';
import { AuthRequirement, AuthRequirementMetadata, PublicMetadata } from './auth.decorator';
import { CsrfService } from '../session/csrf.service';
import { isStrategyRegistered, runStrategies } from './run-strategies';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether the request carries a credential of the mechanism at all. Only those strategies run,
 * so a bearer request does not pay for a session attempt first (the hot path), and a request with no
 * credential is refused without running any strategy.
 */
const CREDENTIAL_PRESENT: Record<AuthMechanism, (request: Request) => boolean> = {
  session: (request) => request.session?.auth !== undefined,
  jwt: (request) => /^bearer(\s|$)/i.test(request.headers.authorization ?? ''),
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

  // The CSRF check stays here, not in the session strategy: Passport's strategy registry is one per
  // process, while the secrets belong to the app whose guard this is.
  constructor(
    private readonly reflector: Reflector,
    private readonly csrf: CsrfService,
  ) {}

  /**
   * Answers with a plain boolean when every strategy decided at once (a cached token or key, a loaded
   * session): Nest then goes on without awaiting anything, which is most of what a guard costs.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const requirement = this.requirementOf(context);
    if (requirement === 'public') return true;
    if (!requirement) throw new ForbiddenException('Route is not open to any caller');

    const http = context.switchToHttp();
    const request = http.getRequest<Request & { user: AuthPrincipal }>();
    const strategies = requirement.strategies.filter((name) => isStrategyRegistered(name) && CREDENTIAL_PRESENT[name](request));
    const principal = strategies.length ? this.authenticate(strategies, request) : null;
    const admit = (found: AuthPrincipal | null) => this.admit(found, request, http.getResponse<Response>(), strategies, requirement);
    return principal instanceof Promise ? principal.then(admit) : admit(principal);
  }

  private admit(
    principal: AuthPrincipal | null,
    request: Request & { user: AuthPrincipal },
    response: Response,
    strategies: AuthMechanism[],
    requirement: AuthRequirement,
  ): true {
    if (!principal) {
      // RFC 6750 §3: a bearer token was sent and refused. One generic answer whatever the reason, so failures cannot be told apart.
      if (strategies.includes('jwt')) response.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new UnauthorizedException('Unauthorized');
    }
    request.user = principal;
    this.checkCsrf(request);
    this.checkPermissions(principal, requirement);
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
  private authenticate(strategies: AuthMechanism[], request: Request): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    try {
      const outcome = runStrategies<AuthPrincipal>(strategies, request);
      return outcome instanceof Promise ? outcome.catch((error: unknown) => this.refuseOnError(error)) : outcome;
    } catch (error) {
      return this.refuseOnError(error);
    }
  }

  private refuseOnError(error: unknown): null {
    if (error instanceof HttpException) throw error;
    this.logger.warn(`Authentication failed with an error: ${error instanceof Error ? error.message : String(error)}`);
    return null;
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
