import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasskeyChallenges } from './passkey-challenges';
import { Passkey } from './passkey.entity';
import { PasskeysConfigured } from './passkeys-configured.guard';
import { Passkeys } from './passkeys.service';

/** Passkeys (WebAuthn): registration while signed in, passwordless sign-in, and assertions for a second factor. */
@Module({})
export class PasskeysModule {
  /** `imports`: the module's core, users, login, audit and MFA (the second step) modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: PasskeysModule,
      imports: [...imports, TypeOrmModule.forFeature([Passkey])],
      providers: [PasskeyChallenges, Passkeys, PasskeysConfigured],
      exports: [Passkeys, PasskeysConfigured],
    };
  }
}
