import { DynamicModule, Module } from '@nestjs/common';
import { AccountsService } from './accounts.service';

/** A user's lifecycle across the mechanisms: registration, password change, logout everywhere, disable and enable. */
@Module({})
export class AccountsModule {
  /** `imports`: the module's core, users, login and audit modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return { module: AccountsModule, imports, providers: [AccountsService], exports: [AccountsService] };
  }
}
