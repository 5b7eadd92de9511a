import { Module, Provider } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { AUTH_OPTIONS, ResolvedAuthOptions } from '../auth.options';
import { AuthRedis, REDIS_CLIENT } from '../core/redis.provider';
import { AUTH_THROTTLER_OPTIONS, AUTH_THROTTLER_STORAGE } from './auth-throttler.tokens';
import { LoginAttempts, LOCKOUT_STORE } from './login-attempts.service';
import { LockoutStore } from './lockout-policy';
import { MemoryLockoutStore } from './memory-lockout.store';
import { RedisLockoutStore } from './redis-lockout.store';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const providers: Provider[] = [
  {
    provide: AUTH_THROTTLER_OPTIONS,
    inject: [AUTH_OPTIONS],
    useFactory: ({ throttle }: ResolvedAuthOptions): ThrottlerModuleOptions => ({
      throttlers: [{ limit: throttle.limit, ttl: throttle.ttlSeconds * 1000 }],
    }),
  },
  {
    provide: AUTH_THROTTLER_STORAGE,
    inject: [REDIS_CLIENT, AUTH_OPTIONS],
    useFactory: (redis: AuthRedis, options: ResolvedAuthOptions) =>
      redis ? new RedisThrottlerStorage(redis, `${options.redisKeyPrefix}throttle:`) : new ThrottlerStorageService(),
  },
  {
    provide: LOCKOUT_STORE,
    inject: [REDIS_CLIENT, AUTH_OPTIONS],
    useFactory: (redis: AuthRedis, options: ResolvedAuthOptions): LockoutStore =>
      redis ? new RedisLockoutStore(redis, `${options.redisKeyPrefix}lockout:`, options.lockout) : new MemoryLockoutStore(options.lockout),
  },
  LoginAttempts,
];

/**
 * Limits of the credential-taking routes: per client IP (`@RateLimitedAuthRoute()`) and per account
 * (LoginAttempts). Registers no global guard and no ThrottlerModule, so a host app's own throttler is untouched.
 */
@Module({
  providers,
  exports: [AUTH_THROTTLER_OPTIONS, AUTH_THROTTLER_STORAGE, LoginAttempts],
})
export class ThrottlingModule {}
