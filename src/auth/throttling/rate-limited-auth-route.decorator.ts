import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ADMIT_WHEN_COUNTER_DOWN, AuthThrottlerGuard } from './auth-throttler.guard';

/**
 * Limits a credential-taking route per client IP (`throttle` options); 429 answers carry
 * `Retry-After`, for that limit and for an account in back-off alike. Works on `@Public()` routes:
 * the global AuthGuard runs first and lets them through.
 *
 * @example
 * `@Public() @RateLimitedAuthRoute() @Post('login') login() {}`
 */
export function RateLimitedAuthRoute(
  options: { whenCounterDown?: 'refuse' | 'admit' } = {},
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...(options.whenCounterDown === 'admit' ? [SetMetadata(ADMIT_WHEN_COUNTER_DOWN, true)] : []),
    UseGuards(AuthThrottlerGuard),
    ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP or for this account; see Retry-After' }),
  );
}
