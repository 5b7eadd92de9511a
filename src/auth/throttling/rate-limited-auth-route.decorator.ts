import { applyDecorators, UseFilters, UseGuards } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { AuthThrottlerGuard } from './auth-throttler.guard';
import { RetryAfterFilter } from './retry-after.filter';

/**
 * Limits a credential-taking route per client IP (`throttle` options) and answers 429 with
 * `Retry-After`, both for that limit and for an account in back-off (PasswordLogin). Works on
 * `@Public()` routes: the global AuthGuard runs first and lets them through.
 *
 * @example
 * `@Public() @RateLimitedAuthRoute() @Post('login') login() {}`
 */
export function RateLimitedAuthRoute(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(AuthThrottlerGuard),
    UseFilters(RetryAfterFilter),
    ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP or for this account; see Retry-After' }),
  );
}
