import { ArgumentsHost, Catch, HttpException, Logger, ServiceUnavailableException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import { aboutRequest } from '../core/request-log';
import { TooManyRequestsException } from '../core/too-many-requests.exception';

/**
 * The answers of the module's routes when something throws. HTTP errors keep their status (a 429
 * with its `Retry-After`); anything else (a database or Redis that does not answer) is a 503 with
 * no detail, never a 500, so that an outage tells clients to retry and nothing internal leaks.
 */
@Catch()
export class AuthRouteErrorsFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('AuthRoutes');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof TooManyRequestsException) {
      host
        .switchToHttp()
        .getResponse<Response>()
        .setHeader('Retry-After', String(Math.max(1, exception.retryAfterSeconds)));
    }
    if (exception instanceof HttpException) return super.catch(exception, host);
    const reason = exception instanceof Error ? exception.message : String(exception);
    this.logger.warn(aboutRequest(host.switchToHttp().getRequest<Request>(), `A store did not answer: ${reason}`));
    super.catch(new ServiceUnavailableException('Service unavailable'), host);
  }
}
