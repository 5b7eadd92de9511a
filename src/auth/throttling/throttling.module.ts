import { DynamicModule, Module, Provider } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { AUTH_REDIS, AuthRedis } from '../core/redis.provider';
import { REDIS_OPTIONS, ResolvedRedisOptions } from '../core/redis.options';
import { AuthThrottlerGuard } from './auth-throttler.guard';
import { AUTH_THROTTLER_OPTIONS, AUTH_THROTTLER_STORAGE } from './auth-throttler.tokens';
import { LoginAttempts, LOCKOUT_STORE } from './login-attempts.service';
import { LockoutStore } from './lockout-policy';
import { MemoryLockoutStore } from './memory-lockout.store';
import { RedisLockoutStore } from './redis-lockout.store';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import {
  LOCKOUT_OPTIONS,
  ResolvedAuthThrottleOptions,
  ResolvedLockoutOptions,
  THROTTLE_OPTIONS,
} from './throttling.options';

const providers: Provider[] = [
  {
    provide: AUTH_THROTTLER_OPTIONS,
    inject: [THROTTLE_OPTIONS],
    useFactory: (throttle: ResolvedAuthThrottleOptions): ThrottlerModuleOptions => ({
      throttlers: [{ limit: throttle.limit, ttl: throttle.ttlSeconds * 1000 }],
    }),
  },
  {
    provide: AUTH_THROTTLER_STORAGE,
    inject: [AUTH_REDIS, REDIS_OPTIONS],
    useFactory: (redis: AuthRedis | null, options: ResolvedRedisOptions) =>
      redis ? new RedisThrottlerStorage(redis, `${options.keyPrefix}throttle:`) : new ThrottlerStorageService(),
  },
  {
    provide: LOCKOUT_STORE,
    inject: [AUTH_REDIS, REDIS_OPTIONS, LOCKOUT_OPTIONS],
    useFactory: (
      redis: AuthRedis | null,
      options: ResolvedRedisOptions,
      lockout: ResolvedLockoutOptions,
    ): LockoutStore =>
      redis ? new RedisLockoutStore(redis, `${options.keyPrefix}lockout:`, lockout) : new MemoryLockoutStore(lockout),
  },
  LoginAttempts,
  AuthThrottlerGuard,
];

/**
 * Limits of the credential-taking routes: per client IP (`@RateLimitedAuthRoute()`) and per account
 * (LoginAttempts). Registers no global guard and no ThrottlerModule, so a host app's own throttler is untouched.
 */
@Module({})
export class ThrottlingModule {
  /** `imports`: the module's core, as AuthModule builds it. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: ThrottlingModule,
      imports,
      providers,
      exports: [AUTH_THROTTLER_OPTIONS, AUTH_THROTTLER_STORAGE, LoginAttempts, AuthThrottlerGuard],
    };
  }
}
