import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';

/** A key over its per-minute limit. */
export class ApiKeyRateLimitExceeded extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(HttpException.createBody('Too many requests', 'Too Many Requests', HttpStatus.TOO_MANY_REQUESTS), HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** Answers 429 with `Retry-After`, which the strategy cannot set itself: Passport hands it no response. */
@Catch(ApiKeyRateLimitExceeded)
export class ApiKeyRateLimitFilter implements ExceptionFilter<ApiKeyRateLimitExceeded> {
  catch(exception: ApiKeyRateLimitExceeded, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    response.status(exception.getStatus()).json(exception.getResponse());
  }
}
