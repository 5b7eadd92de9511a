import type { Request } from 'express';

/**
 * A log line about one request: its message, and the request's id when the logging middleware gave
 * it one (`request.id`, as pino-http names it), so that an operator finds it beside the request line.
 * Passed as the message of a Nest `Logger` call; `PinoLoggerService` makes the fields the line's own.
 */
export function aboutRequest(request: Request, msg: string): { msg: string; reqId?: string } {
  const id = (request as { id?: unknown }).id;
  return typeof id === 'string' ? { msg, reqId: id } : { msg };
}
