import { DynamicModule, Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher';
import { PasswordLogin } from './password-login';
import { SignInFunnel } from './sign-in-funnel';

/** Where every sign-in ends (the funnel: second step, then the issuer), and the checks of a password every feature shares. */
@Module({})
export class LoginModule {
  /** `imports`: the module's core, users, throttling and audit modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: LoginModule,
      imports,
      providers: [PasswordHasher, PasswordLogin, SignInFunnel],
      exports: [PasswordHasher, PasswordLogin, SignInFunnel],
    };
  }
}
