import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthMechanism } from './auth-mechanism';
import { AuthPrincipal } from './auth-principal';
import { AuthTelemetry, GuardOutcome } from './auth-telemetry';
import { FreshAuthentication } from './fresh-authentication';
import { aboutRequest } from './request-log';
import { TooManyRequestsException } from './too-many-requests.exception';
import { RouteRequirement, RouteRequirements } from './route-requirements';

type AuthRoute = Extract<RouteRequirement, { kind: 'auth' }>;
type AuthRequest = Request & { user?: AuthPrincipal };
type GuardedContext = ExecutionContext & { [DECIDED]?: true };

/** Most requests are admitted by the first mechanism they carry: no list of refusals is made for them. */
const NONE_REFUSED: readonly AuthMechanism[] = [];

/**
 * Set on the execution context of a request the guard has admitted: with the global guard on, `@Auth`'s own
 * use of it decides nothing twice. Nest runs a route's guards, global and own, with one context per request;
 * a mark on it, a small object of one shape, costs less than a property added to the request.
 */
const DECIDED = Symbol('nest-auth:decided');

/**
 * The one global guard. Routes say who may call them with `@Auth` or `@Public`; a route that says
 * neither is denied, so a forgotten decorator fails closed. It tries the mechanisms the route names,
 * in order, skipping those whose credential the request does not carry, and answers with a plain
 * boolean when they decide at once (a cached token or key, a loaded session): Nest then goes on
 * without awaiting anything, which is most of what a guard costs.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly routes: RouteRequirements,
    private readonly telemetry: AuthTelemetry,
    private readonly freshness: FreshAuthentication,
  ) {}

  canActivate(context: GuardedContext): boolean | Promise<boolean> {
    if (context[DECIDED]) return true;
    // The arguments themselves: switchToHttp() builds an adapter object per call.
    const request = context.getArgByIndex<AuthRequest>(0);
    const requirement = this.routes.of(context.getClass(), context.getHandler());
    if (requirement.kind === 'public') return true;
    if (requirement.kind === 'closed') throw new ForbiddenException('Route is not open to any caller');
    const response = context.getArgByIndex<Response>(1);
    const started = performance.now();
    try {
      const admitted = this.tryFrom(0, requirement, request, response, NONE_REFUSED);
      if (!(admitted instanceof Promise)) return this.counted(admitted, context, request, started);
      return admitted.then(
        (ok) => this.counted(ok, context, request, started),
        (error: unknown) => this.countedError(error, request, response, started),
      );
    } catch (error) {
      return this.countedError(error, request, response, started);
    }
  }

  private counted(admitted: true, context: GuardedContext, request: AuthRequest, started: number): true {
    context[DECIDED] = true;
    this.telemetry.guarded(request.user?.via ?? 'none', 'success', (performance.now() - started) / 1000);
    return admitted;
  }

  private countedError(error: unknown, request: AuthRequest, response: Response, started: number): never {
    this.telemetry.guarded(request.user?.via ?? 'none', outcomeOf(error), (performance.now() - started) / 1000);
    // Here rather than in an exception filter: the host's routes answer with it too, and the module registers no global filter.
    if (error instanceof TooManyRequestsException)
      response.setHeader('Retry-After', String(Math.max(1, error.retryAfterSeconds)));
    throw error;
  }

  private tryFrom(
    from: number,
    route: AuthRoute,
    request: AuthRequest,
    response: Response,
    refusedBefore: readonly AuthMechanism[],
  ): true | Promise<true> {
    let refused = refusedBefore;
    for (let i = from; i < route.mechanisms.length; i++) {
      const mechanism = route.mechanisms[i];
      if (!mechanism.carriesCredential(request)) continue;
      const principal = this.authenticate(mechanism, request);
      if (principal instanceof Promise) {
        return principal.then((found) =>
          found
            ? this.admit(found, mechanism, route, request, response)
            : this.tryFrom(i + 1, route, request, response, [...refused, mechanism]),
        );
      }
      if (principal) return this.admit(principal, mechanism, route, request, response);
      refused = [...refused, mechanism];
    }
    // One generic answer whatever the reason, so failures cannot be told apart; a challenge only for credentials that were sent (RFC 6750 §3).
    const challenges = refused.map((m) => m.challenge).filter((c): c is string => !!c);
    if (challenges.length) response.setHeader('WWW-Authenticate', challenges);
    throw new UnauthorizedException('Unauthorized');
  }

  private authenticate(
    mechanism: AuthMechanism,
    request: Request,
  ): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    try {
      const outcome = mechanism.authenticate(request);
      return outcome instanceof Promise
        ? outcome.catch((error: unknown) => this.unavailable(mechanism, request, error))
        : outcome;
    } catch (error) {
      return this.unavailable(mechanism, request, error);
    }
  }

  /** A mechanism failing with anything but an HTTP error (a store that does not answer) refuses with 503: fail closed, and do not tell a client its credential is bad. */
  private unavailable(mechanism: AuthMechanism, request: Request, error: unknown): never {
    if (error instanceof HttpException) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(aboutRequest(request, `${mechanism.name} could not authenticate a request: ${reason}`));
    throw new ServiceUnavailableException('Service unavailable');
  }

  private admit(
    principal: AuthPrincipal,
    mechanism: AuthMechanism,
    route: AuthRoute,
    request: AuthRequest,
    response: Response,
  ): true | Promise<true> {
    request.user = principal;
    const checked = mechanism.afterAuthentication?.(principal, request);
    if (checked instanceof Promise)
      return checked.then(() => this.permit(principal, mechanism, route, request, response));
    return this.permit(principal, mechanism, route, request, response);
  }

  private permit(
    principal: AuthPrincipal,
    mechanism: AuthMechanism,
    route: AuthRoute,
    request: AuthRequest,
    response: Response,
  ): true | Promise<true> {
    if (route.roles.length && !route.roles.some((role) => principal.user.roles.includes(role))) {
      throw new ForbiddenException('Insufficient role');
    }
    // An admin acting as the user sees what the user sees, and never changes how the user signs in nor proves anything for them.
    if (principal.actor && route.refusesActors) throw new ForbiddenException('Not allowed while impersonating');
    const granted = principal.scopes;
    if (granted && !route.scopes.every((scope) => granted.includes(scope)))
      throw new ForbiddenException('Insufficient scope');
    return route.checks.length
      ? this.runChecks(0, principal, mechanism, route, request, response)
      : this.checkFreshness(principal, mechanism, route, response);
  }

  /** Features' route checks (`RouteAuthorizer`), one after the other, synchronously while they answer so. */
  private runChecks(
    from: number,
    principal: AuthPrincipal,
    mechanism: AuthMechanism,
    route: AuthRoute,
    request: AuthRequest,
    response: Response,
  ): true | Promise<true> {
    for (let i = from; i < route.checks.length; i++) {
      const checked = route.checks[i](principal, request);
      if (checked instanceof Promise)
        return checked.then(() => this.runChecks(i + 1, principal, mechanism, route, request, response));
    }
    return this.checkFreshness(principal, mechanism, route, response);
  }

  private checkFreshness(
    principal: AuthPrincipal,
    mechanism: AuthMechanism,
    route: AuthRoute,
    response: Response,
  ): true | Promise<true> {
    return route.fresh ? this.freshness.check(principal, route.fresh, mechanism, response) : true;
  }
}

function outcomeOf(error: unknown): GuardOutcome {
  if (error instanceof UnauthorizedException) return 'refused';
  // A route check that hides what the caller may not know exists (an organization it is not a member of) answers 404.
  if (error instanceof ForbiddenException || error instanceof NotFoundException) return 'forbidden';
  if (error instanceof TooManyRequestsException) return 'limited';
  return 'unavailable';
}
