import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';

/**
 * What a route does and what each of its answers means, for the OpenAPI document and the HTTP
 * reference generated from it (`docs/http-api.md`).
 *
 * @example
 * `@Documented('Log in with email and password', { 200: 'Logged in; a new session cookie', 401: 'Invalid email or password' })`
 */
export function Documented(summary: string, responses: Record<number, string>): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary }),
    ...Object.entries(responses).map(([status, description]) => ApiResponse({ status: Number(status), description })),
  );
}
