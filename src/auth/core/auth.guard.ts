import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  Type,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard, IAuthGuard } from '@nestjs/passport';
import type { Request, Response } from 'express';
import passport from 'passport';
import { AuthMechanism, AuthPrincipal } from './auth-principal';
import { AuthRequirement, AuthRequirementMetadata, PublicMetadata } from './auth.decorator';
import { CsrfService } from '../session/csrf.service';
import { hasBearerScheme } from '../jwt/bearer-token';

// A mechanism whose module the host did not load cannot authenticate anyone; asking Passport for it would throw.
const isRegistered = (name: string): boolean =>
  (passport as unknown as { _strategy(name: string): unknown })._strategy(name) !== undefined;

/** Passport's guard for these strategies, failing with Nest's full error shape. */
function passportGuardClass(strategies: AuthMechanism[]): Type<IAuthGuard> {
  const acceptsBearer = strategies.includes('jwt');
  return class extends PassportAuthGuard(strategies) {
    handleRequest<T>(error: unknown, principal: T, _info: unknown, context: ExecutionContext): T {
      if (error instanceof HttpException) throw error;
      if (error || !principal) {
        // RFC 6750 §3: a bearer token was sent and refused. One generic answer whatever the reason, so failures cannot be told apart.
        if (acceptsBearer && hasBearerScheme(context.switchToHttp().getRequest<Request>())) {
          context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
        }
        throw new UnauthorizedException('Unauthorized');
      }
      return principal;
    }
  };
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether the request carries a credential of the mechanism at all. Passport is asked only for those,
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
  private readonly passportGuards = new Map<string, IAuthGuard>();

  constructor(
    private readonly reflector: Reflector,
    private readonly csrf: CsrfService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride(PublicMetadata, targets)) return true;
    const requirement = this.reflector.getAllAndOverride(AuthRequirementMetadata, targets);
    if (!requirement) throw new ForbiddenException('Route is not open to any caller');

    const request = context.switchToHttp().getRequest<Request & { user: AuthPrincipal }>();
    const strategies = requirement.strategies.filter((name) => isRegistered(name) && CREDENTIAL_PRESENT[name](request));
    if (!strategies.length) throw new UnauthorizedException('Unauthorized');
    await this.passportGuardFor(strategies).canActivate(context);

    this.checkCsrf(request);
    this.checkPermissions(request.user, requirement);
    return true;
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

  private passportGuardFor(strategies: AuthMechanism[]): IAuthGuard {
    const key = strategies.join(',');
    let guard = this.passportGuards.get(key);
    if (!guard) {
      guard = new (passportGuardClass(strategies))({ session: false });
      this.passportGuards.set(key, guard);
    }
    return guard;
  }
}
