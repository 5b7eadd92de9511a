import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { sendJsonError } from '../core/http-errors';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The auth routes speak JSON only: a request body of any other type is refused with 415. */
@Injectable()
export class JsonBodyOnlyMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const hasBody = request.header('transfer-encoding') !== undefined || Number(request.header('content-length') ?? 0) > 0;
    if (BODY_METHODS.has(request.method) && hasBody && !request.is('application/json')) {
      return sendJsonError(response, 415, 'Content-Type must be application/json');
    }
    next();
  }
}
