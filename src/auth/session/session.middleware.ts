import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { sendJsonError } from '../core/http-errors';
import { SessionHandlers } from './session-handlers';

const SESSION_COOKIE_PRESENT = /(?:^|;)\s*(?:__Host-)?sid=/;

/**
 * Loads the session only for requests that carry a session cookie: a bearer-token, API-key or
 * anonymous request pays nothing for sessions. Login creates one on demand (`ensureSession`). A
 * session read in the last moment is answered from the read cache, and express-session runs only
 * once something reads `request.session` (SessionReadPath).
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  constructor(private readonly handlers: SessionHandlers) {}

  use(request: Request, response: Response, next: NextFunction): void {
    if (!SESSION_COOKIE_PRESENT.test(request.headers.cookie ?? '')) return next();
    if (this.handlers.readFromCache(request, response)) return next();
    let answered = false;
    this.handlers.handlerFor(request)(request, response, (error?: unknown) => {
      // express-session may call back more than once (a failed read, then a failed save): answer once.
      if (answered) return;
      answered = true;
      // The store is unreachable: fail closed with a JSON 503 rather than Express's HTML error page.
      if (error) return response.headersSent ? undefined : sendJsonError(response, 503);
      next();
    });
  }
}
