import { ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import { sendJsonError } from './http-errors';

export const AUTH_BODY_LIMIT = '10kb';

/**
 * The JSON body parser with the auth routes' 10 kB limit, answering parse errors in Nest's error
 * shape instead of Express's HTML page. Create the app with `{ bodyParser: false }` and call this first.
 */
export function configureAuthHttp(app: NestExpressApplication): void {
  const parseJson = express.json({ limit: AUTH_BODY_LIMIT });
  app.use((request: Request, response: Response, next: NextFunction) =>
    parseJson(request, response, (error?: { status?: number; type?: string }) => {
      if (!error) return next();
      const status = error.status === 413 ? 413 : error.status === 415 ? 415 : 400;
      sendJsonError(
        response,
        status,
        status === 413 ? 'Request body too large' : status === 415 ? 'Unsupported charset' : 'Malformed JSON body',
      );
    }),
  );
}

/** Input validation of the module's own routes: unknown fields and wrong types are 400, nothing is coerced. */
export const authValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  forbidUnknownValues: true,
});
