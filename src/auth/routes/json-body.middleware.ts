import { Injectable, NestMiddleware } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { sendJsonError } from '../core/http-errors';

/** Larger than any body of the module's routes; a larger one is refused before it is read. */
export const AUTH_BODY_LIMIT_BYTES = 10 * 1024;

const parseJson = express.json({ limit: AUTH_BODY_LIMIT_BYTES });

/**
 * The JSON body of the module's routes, at most 10 kB, parse errors answered in Nest's error shape
 * instead of Express's HTML page. Where the host's own body parser has read the body already (Nest's
 * default), only the limit is checked, on what was sent.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    if (request.readableEnded) {
      const declared = Number(request.header('content-length') ?? NaN);
      const size = Number.isFinite(declared) ? declared : Buffer.byteLength(JSON.stringify(request.body ?? null));
      return size > AUTH_BODY_LIMIT_BYTES ? sendJsonError(response, 413, 'Request body too large') : next();
    }
    parseJson(request, response, (error?: { status?: number }) => {
      if (!error) return next();
      const status = error.status === 413 ? 413 : error.status === 415 ? 415 : 400;
      sendJsonError(
        response,
        status,
        status === 413 ? 'Request body too large' : status === 415 ? 'Unsupported charset' : 'Malformed JSON body',
      );
    });
  }
}
