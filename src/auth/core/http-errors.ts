import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';

/** Nest's error shape, for the few places that answer outside Nest's exception filters (Express middleware). */
export function sendJsonError(response: Response, statusCode: number, message?: string): void {
  const error = STATUS_CODES[statusCode] ?? 'Error';
  response.status(statusCode).json({ statusCode, message: message ?? error, error });
}
