import type { Request } from 'express';

/** Longer than any token we issue by far; anything longer is refused before it is parsed. */
export const MAX_ACCESS_TOKEN_LENGTH = 8192;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The token of `Authorization: Bearer <token>`; never from a query string or body, where it would be logged and leaked. */
export function bearerTokenFrom(request: Request): string | null {
  const header = request.headers.authorization;
  if (!header || header.length > MAX_ACCESS_TOKEN_LENGTH + 16) return null;
  return BEARER.exec(header)?.[1] ?? null;
}
