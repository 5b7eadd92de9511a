import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } from './auth.module-definition';
import { AUTH_OPTIONS, AuthModuleOptions, resolveAuthOptions } from './auth.options';
import { AuthGuard } from './core/auth.guard';
import { JsonBodyOnlyMiddleware } from './core/json-body.middleware';
import { RedisLifecycle, REDIS_CLIENT, redisClientProvider } from './core/redis.provider';
import { RevocationBus } from './core/revocation-bus';
import { CsrfService } from './session/csrf.service';
import { AccountsModule } from './accounts/accounts.module';
import { ApiKeyAuthModule } from './api-key/api-key.module';
import { AuditModule } from './audit/audit.module';
import { JwtAuthModule } from './jwt/jwt.module';
import { SessionAuthModule } from './session/session.module';
import { ThrottlingModule } from './throttling/throttling.module';
import { UsersModule } from './users/users.module';

/**
 * Sessions, JWT and API keys side by side. Registers one global guard: every route must say who may
 * call it with `@Auth(...)` or `@Public()`, or it is denied.
 *
 * @example
 * AuthModule.forRootAsync({ inject: [ConfigService], useFactory: (config) => ({ sessionSecrets: [...] }) })
 */
@Module({
  imports: [PassportModule, ThrottlingModule, UsersModule, SessionAuthModule, JwtAuthModule, ApiKeyAuthModule, AuditModule, AccountsModule],
  providers: [
    { provide: AUTH_OPTIONS, inject: [MODULE_OPTIONS_TOKEN], useFactory: (o: AuthModuleOptions) => resolveAuthOptions(o) },
    redisClientProvider,
    RedisLifecycle,
    CsrfService,
    RevocationBus,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [
    AUTH_OPTIONS,
    REDIS_CLIENT,
    CsrfService,
    RevocationBus,
    AuditModule,
    AccountsModule,
    ThrottlingModule,
    UsersModule,
    SessionAuthModule,
    JwtAuthModule,
    ApiKeyAuthModule,
  ],
})
export class AuthModule extends ConfigurableModuleClass implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyOnlyMiddleware).forRoutes('auth/{*path}');
  }
}
