import { DynamicModule, Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher';
import { PasswordLogin } from './password-login';
import { SignInFunnel } from './sign-in-funnel';
import { PasswordPolicy } from './password-policy';

/** Where every sign-in ends (the funnel: second step, then the issuer), and the checks of a password every feature shares. */
@Module({})
export class LoginModule {
  /** `imports`: the module's core, users, throttling and audit modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: LoginModule,
      imports,
      providers: [PasswordHasher, PasswordLogin, PasswordPolicy, SignInFunnel],
      exports: [PasswordHasher, PasswordLogin, PasswordPolicy, SignInFunnel],
    };
  }
}
