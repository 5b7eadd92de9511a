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
import type { Request } from 'express';
import passport from 'passport';
import { AuthMechanism, AuthPrincipal } from './auth-principal';
import { AuthRequirement, AuthRequirementMetadata, PublicMetadata } from './auth.decorator';
import { CsrfService } from '../session/csrf.service';

// A mechanism whose module the host did not load cannot authenticate anyone; asking Passport for it would throw.
const isRegistered = (name: string): boolean =>
  (passport as unknown as { _strategy(name: string): unknown })._strategy(name) !== undefined;

/** Passport's guard for these strategies, failing with Nest's full error shape. */
function passportGuardClass(strategies: AuthMechanism[]): Type<IAuthGuard> {
  return class extends PassportAuthGuard(strategies) {
    handleRequest<T>(error: unknown, principal: T): T {
      if (error instanceof HttpException) throw error;
      if (error || !principal) throw new UnauthorizedException('Unauthorized');
      return principal;
    }
  };
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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

    const strategies = requirement.strategies.filter(isRegistered);
    if (!strategies.length) throw new UnauthorizedException('Unauthorized');
    await this.passportGuardFor(strategies).canActivate(context);

    const request = context.switchToHttp().getRequest<Request & { user: AuthPrincipal }>();
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
