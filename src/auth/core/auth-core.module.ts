import { DynamicModule, Module, Provider } from '@nestjs/common';
import type { ModuleMetadata } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountParts } from './account-parts';
import { AuthMechanisms, MECHANISM_ORDER } from './auth-mechanism';
import { AuthGuard } from './auth.guard';
import { AuthTelemetry } from './auth-telemetry';
import { FreshAuthentication } from './fresh-authentication';
import { ReauthenticationMethods } from './reauthentication-methods';
import { authRedisProvider, AUTH_REDIS, RedisLifecycle } from './redis.provider';
import { CredentialIssuers } from './credential-issuer';
import { SecondStepSlot } from './second-step';
import { RevocationBus } from './revocation-bus';
import { RouteRequirements } from './route-requirements';
import { RouteAuthorizers } from './route-authorizers';
import { ShortLivedKeys } from './short-lived-keys';
import { SignInMethods } from './sign-in-methods';
import { RevocationRecord } from './revocation-record.entity';
import { UserRevocation } from './user-revocation.entity';
import { UserRevocations } from './user-revocations';
import { AUTH_ROUTES_PREFIX, AuthMountPoint } from './mount-point';
import { RequestShape } from './request-shape';

export interface CoreParts {
  /** Where the module's counts go (the ops feature's Prometheus registry). */
  telemetry: Provider;
  /** The order `@Auth()` tries the mechanisms in; those not listed come last. */
  mechanismOrder: string[];
  /** Whether the guard runs on every route of the app (deny by default), or only where `@Auth` puts it. */
  globalGuard: boolean;
  /** Where the built-in routes are mounted (`auth`), or null without them. */
  routesPrefix: string | null;
  /** The resolved options of every feature, one provider each, and what the host's options factory needs. */
  options: Provider[];
  /** The tokens of `options` the features inject. */
  optionTokens: Array<string | symbol>;
  imports: NonNullable<ModuleMetadata['imports']>;
}

/**
 * What every feature of one AuthModule shares: its options, the Redis connection, the revocation
 * bus, the registries of mechanisms and issuers, the per-user revocations, short-lived keys, and the guard.
 */
@Module({})
export class AuthCoreModule {
  /** Sessions, the body parser and the guard's answers are Express's: on another adapter, stop at start with one line. */
  constructor(adapterHost: HttpAdapterHost) {
    const type = adapterHost.httpAdapter?.getType();
    if (type && type !== 'express') {
      throw new Error(`AuthModule: runs on @nestjs/platform-express only, not on the ${type} adapter`);
    }
  }

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
        AccountParts,
        RouteRequirements,
        RouteAuthorizers,
        UserRevocations,
        SignInMethods,
        ShortLivedKeys,
        ReauthenticationMethods,
        FreshAuthentication,
        parts.telemetry,
        CredentialIssuers,
        SecondStepSlot,
        AuthGuard,
        RequestShape,
        { provide: MECHANISM_ORDER, useValue: parts.mechanismOrder },
        { provide: AUTH_ROUTES_PREFIX, useValue: parts.routesPrefix },
        AuthMountPoint,
        ...(parts.globalGuard ? [{ provide: APP_GUARD, useExisting: AuthGuard }] : []),
      ],
      exports: [
        ...parts.optionTokens,
        AUTH_REDIS,
        RevocationBus,
        AuthMechanisms,
        AccountParts,
        UserRevocations,
        SignInMethods,
        ShortLivedKeys,
        ReauthenticationMethods,
        FreshAuthentication,
        AuthTelemetry,
        CredentialIssuers,
        SecondStepSlot,
        RouteRequirements,
        RouteAuthorizers,
        AuthGuard,
        AuthMountPoint,
        RequestShape,
      ],
    };
  }
}
