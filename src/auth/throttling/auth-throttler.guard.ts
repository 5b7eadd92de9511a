import {
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { AUTH_THROTTLER_OPTIONS, AUTH_THROTTLER_STORAGE } from './auth-throttler.tokens';
import { clientAddressKey } from '../core/client-address';
import { TooManyRequestsException } from '../core/too-many-requests.exception';

/**
 * @nestjs/throttler's guard on the module's own options and storage, keyed by the client address of
 * `req.ip` (which Express takes from `X-Forwarded-For` only when `trust proxy` says so): an IPv6
 * client by its /64, whatever the throttler's own version does.
 */
/** Metadata of routes that the throttle admits while its counter is unreachable. */
export const ADMIT_WHEN_COUNTER_DOWN = Symbol('nest-auth:admit-when-counter-down');

@Injectable()
export class AuthThrottlerGuard extends ThrottlerGuard {
  constructor(
    @Inject(AUTH_THROTTLER_OPTIONS) options: ThrottlerModuleOptions,
    @Inject(AUTH_THROTTLER_STORAGE) storage: ThrottlerStorage,
    reflector: Reflector,
  ) {
    super(options, storage, reflector);
  }

  /**
   * With the shared counter unreachable, login attempts are refused (503) rather than let through
   * uncounted; a route that only ends credentials (revocation) is let through, since refusing it
   * would keep a stolen credential alive for as long as the counter is down.
   */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await super.canActivate(context);
    } catch (error) {
      if (error instanceof HttpException) throw error;
      new Logger(AuthThrottlerGuard.name).warn(`Throttle storage unavailable: ${String(error)}`);
      if (
        this.reflector.getAllAndOverride<boolean>(ADMIT_WHEN_COUNTER_DOWN, [context.getHandler(), context.getClass()])
      ) {
        return true;
      }
      throw new ServiceUnavailableException('Service unavailable');
    }
  }

  protected getTracker(request: Record<string, unknown>): Promise<string> {
    return Promise.resolve(clientAddressKey(typeof request.ip === 'string' ? request.ip : undefined));
  }

  protected async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new TooManyRequestsException(detail.timeToBlockExpire);
  }
}
