import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthMechanisms } from '../core/auth-mechanism';
import { ApiKeyRateLimiter } from './api-key-rate-limiter';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKey } from './api-key.entity';
import { ApiKeyMechanism } from './api-key.mechanism';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeyVerifier } from './api-key.verifier';
import { ApiKeysService } from './api-keys.service';
import { KnownApiKeys } from './known-api-keys';
import { ServiceAccountKeys } from './service-account-keys';

/** The `apiKey` mechanism: key lifecycle, verification cache, usage write-behind and per-key limits. */
@Module({})
export class ApiKeyAuthModule {
  /** `imports`: the module's core and users modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: ApiKeyAuthModule,
      imports: [...imports, TypeOrmModule.forFeature([ApiKey])],
      providers: [
        ApiKeyStrategy,
        KnownApiKeys,
        ApiKeyVerifier,
        ApiKeyUsageRecorder,
        ApiKeyRateLimiter,
        ApiKeysService,
        ServiceAccountKeys,
        ApiKeyMechanism,
      ],
      exports: [ApiKeysService, ServiceAccountKeys],
    };
  }

  constructor(mechanisms: AuthMechanisms, mechanism: ApiKeyMechanism) {
    mechanisms.add(mechanism);
  }
}
