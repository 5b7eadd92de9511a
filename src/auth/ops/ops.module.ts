import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthHealthIndicators } from './auth-health.indicators';

/** What an operator needs of the module: health indicators (metrics and logging are core's telemetry and `createAuthLogging`). */
@Module({})
export class OpsModule {
  /** `imports`: the module's core, as AuthModule builds it. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: OpsModule,
      imports: [...imports, TerminusModule],
      providers: [AuthHealthIndicators],
      exports: [AuthHealthIndicators],
    };
  }
}
