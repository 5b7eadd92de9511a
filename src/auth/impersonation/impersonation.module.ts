import { DynamicModule, Module } from '@nestjs/common';
import { ImpersonationService } from './impersonation.service';

/** Admins acting as users: the credential of the user with the admin as actor, its end, its audit trail. */
@Module({})
export class ImpersonationModule {
  /** `imports`: the module's base modules (core, users, audit, throttling, login, accounts), as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return { module: ImpersonationModule, imports, providers: [ImpersonationService], exports: [ImpersonationService] };
  }
}
