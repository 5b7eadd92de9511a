import { DynamicModule, Module, Provider } from '@nestjs/common';
import type { ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthMechanisms, MECHANISM_ORDER } from './auth-mechanism';
import { AuthGuard } from './auth.guard';
import { AuthTelemetry } from './auth-telemetry';
import { FreshAuthentication } from './fresh-authentication';
import { ReauthenticationMethods } from './reauthentication-methods';
import { authRedisProvider, AUTH_REDIS, RedisLifecycle } from './redis.provider';
import { RetryAfterFilter } from './retry-after.filter';
import { RevocationBus } from './revocation-bus';
import { RouteRequirements } from './route-requirements';
import { ShortLivedKeys } from './short-lived-keys';
import { SignInMethods } from './sign-in-methods';
import { RevocationRecord } from './revocation-record.entity';
import { UserRevocation } from './user-revocation.entity';
import { UserRevocations } from './user-revocations';

export interface CoreParts {
  /** Where the module's counts go (the ops feature's Prometheus registry). */
  telemetry: Provider;
  /** The order `@Auth()` tries the mechanisms in; those not listed come last. */
  mechanismOrder: string[];
  /** The resolved options of every feature, one provider each, and what the host's options factory needs. */
  options: Provider[];
  /** The tokens of `options` the features inject. */
  optionTokens: Array<string | symbol>;
  imports: NonNullable<ModuleMetadata['imports']>;
}

/**
 * What every feature of one AuthModule shares: its options, the Redis connection, the revocation
 * bus, the registry of mechanisms, the per-user revocations, short-lived keys, and the global guard.
 */
@Module({})
export class AuthCoreModule {
  static register(parts: CoreParts): DynamicModule {
    return {
      module: AuthCoreModule,
      imports: [...parts.imports, DiscoveryModule, TypeOrmModule.forFeature([UserRevocation, RevocationRecord])],
      providers: [
        ...parts.options,
        authRedisProvider,
        RedisLifecycle,
        RevocationBus,
        AuthMechanisms,
        RouteRequirements,
        UserRevocations,
        SignInMethods,
        ShortLivedKeys,
        ReauthenticationMethods,
        FreshAuthentication,
        parts.telemetry,
        { provide: MECHANISM_ORDER, useValue: parts.mechanismOrder },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: RetryAfterFilter },
      ],
      exports: [
        ...parts.optionTokens,
        AUTH_REDIS,
        RevocationBus,
        AuthMechanisms,
        UserRevocations,
        SignInMethods,
        ShortLivedKeys,
        ReauthenticationMethods,
        FreshAuthentication,
        AuthTelemetry,
      ],
    };
  }
}
