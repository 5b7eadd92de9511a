import { DynamicModule, Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher';
import { PasswordLogin } from './password-login';
import { PasswordPolicy } from './password-policy';

/** The ways to identify a user before a mechanism issues them a credential: today, email and password. */
@Module({})
export class LoginModule {
  /** `imports`: the module's core, users, throttling and audit modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: LoginModule,
      imports,
      providers: [PasswordHasher, PasswordLogin, PasswordPolicy],
      exports: [PasswordHasher, PasswordLogin, PasswordPolicy],
    };
  }
}
