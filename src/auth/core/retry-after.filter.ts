import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { TooManyRequestsException } from './too-many-requests.exception';

/** Answers a TooManyRequestsException with its `Retry-After` header, which an HttpException alone cannot set. */
@Catch(TooManyRequestsException)
export class RetryAfterFilter implements ExceptionFilter<TooManyRequestsException> {
  catch(exception: TooManyRequestsException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    response
      .status(exception.getStatus())
      .setHeader('Retry-After', String(Math.max(1, exception.retryAfterSeconds)))
      .json(exception.getResponse());
  }
}
