import { DynamicModule, Module } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { SecondStepSlot } from '../core/second-step';
import { AUTH_REDIS, AuthRedis } from '../core/redis.provider';
import { REDIS_OPTIONS, ResolvedRedisOptions } from '../core/redis.options';
import { MfaChallenge } from './mfa-challenge.entity';
import { MfaRecoveryCode } from './mfa-recovery-code.entity';
import { MfaSecondStep } from './mfa-second-step';
import { MFA_TOKEN_STORE, MfaTokenStore } from './mfa-token-store';
import { MfaTotp } from './mfa-totp.entity';
import { OneTimeCodes } from './one-time-codes.service';
import { RedisMfaTokenStore } from './redis-mfa-token.store';
import { SqlMfaTokenStore } from './sql-mfa-token.store';

/**
 * The second step of every login (`SecondStep`, for every feature that offers a second factor) and
 * the one-time-code factors: TOTP and recovery codes.
 */
@Module({})
export class MfaModule {
  /** `imports`: the module's core, users, login, throttling and audit modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: MfaModule,
      imports: [...imports, TypeOrmModule.forFeature([MfaTotp, MfaRecoveryCode, MfaChallenge])],
      providers: [
        {
          provide: MFA_TOKEN_STORE,
          inject: [AUTH_REDIS, REDIS_OPTIONS, getRepositoryToken(MfaChallenge)],
          useFactory: (
            redis: AuthRedis | null,
            options: ResolvedRedisOptions,
            rows: Repository<MfaChallenge>,
          ): MfaTokenStore =>
            redis ? new RedisMfaTokenStore(redis, `${options.keyPrefix}mfa:`) : new SqlMfaTokenStore(rows),
        },
        MfaSecondStep,
        OneTimeCodes,
      ],
      exports: [MfaSecondStep, OneTimeCodes],
    };
  }

  constructor(slot: SecondStepSlot, step: MfaSecondStep) {
    slot.provide(step);
  }
}
