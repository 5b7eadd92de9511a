import { HttpException, HttpStatus } from '@nestjs/common';

/** 429 in Nest's error shape, carrying the seconds that `Retry-After` tells the client to wait. */
export class TooManyRequestsException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, message: 'Too Many Requests', error: 'Too Many Requests' },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
