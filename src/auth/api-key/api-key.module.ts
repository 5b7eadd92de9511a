import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { User } from '../users/user.entity';
import { UsersModule } from '../users/users.module';
import { ApiKeyRateLimitFilter } from './api-key-rate-limit.exception';
import { ApiKeyRateLimiter } from './api-key-rate-limiter';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKey } from './api-key.entity';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeyVerifier } from './api-key.verifier';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { ServiceAccountKeys } from './service-account-keys';

/** The `apiKey` strategy, key lifecycle routes, verification cache, usage write-behind and per-key limits. */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey, User]), UsersModule, AuditModule],
  controllers: [ApiKeysController],
  providers: [
    ApiKeyStrategy,
    ApiKeyVerifier,
    ApiKeyUsageRecorder,
    ApiKeyRateLimiter,
    ApiKeysService,
    ServiceAccountKeys,
    { provide: APP_FILTER, useClass: ApiKeyRateLimitFilter },
  ],
  exports: [ApiKeysService, ServiceAccountKeys],
})
export class ApiKeyAuthModule {}
