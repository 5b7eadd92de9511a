import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLog } from './audit-log.service';
import { AuthEvent } from './auth-event.entity';
import { SignInOutcomes } from './sign-in-outcomes';

@Module({})
export class AuditModule {
  /** `imports`: the module's core, as AuthModule builds it. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: AuditModule,
      imports: [...imports, TypeOrmModule.forFeature([AuthEvent])],
      providers: [AuditLog, SignInOutcomes],
      exports: [AuditLog, SignInOutcomes],
    };
  }
}
