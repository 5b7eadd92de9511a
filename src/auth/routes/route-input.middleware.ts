import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { sendJsonError } from '../core/http-errors';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** Deeper than any body of the module's routes needs (an object holding an array of strings is 2). */
export const MAX_INPUT_DEPTH = 8;
/** Text no database should be handed: NUL, and UTF-16 surrogates without their other half. */
const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a parsed body or query cannot be taken, or null: checked without recursion, so any depth is safe to look at. */
export function unacceptableInput(root: unknown): string | null {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value === 'string') {
      if (UNSTORABLE_TEXT.test(value)) return 'Text must not contain NUL characters or unpaired surrogates';
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_INPUT_DEPTH) return 'Input is nested too deeply';
      for (const [key, inner] of Object.entries(value)) {
        if (UNSTORABLE_TEXT.test(key)) return 'Text must not contain NUL characters or unpaired surrogates';
        stack.push([inner, depth + 1]);
      }
    }
  }
  return null;
}

/**
 * In front of the module's routes: a request body of any type but JSON is refused with 415, and a
 * body or query that is nested deeper than any route takes, or holds text a database cannot store,
 * with 400, before validation (class-transformer recurses, and overflows its stack on deep input).
 */
@Injectable()
export class RouteInputMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const hasBody =
      request.header('transfer-encoding') !== undefined || Number(request.header('content-length') ?? 0) > 0;
    if (BODY_METHODS.has(request.method) && hasBody && !request.is('application/json')) {
      return sendJsonError(response, 415, 'Content-Type must be application/json');
    }
    const problem = unacceptableInput(request.body) ?? unacceptableInput(request.query);
    if (problem) return sendJsonError(response, 400, problem);
    next();
  }
}
