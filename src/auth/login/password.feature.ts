import { DynamicModule, Module } from '@nestjs/common';
import type { AuthFeature } from '../core/auth-feature';
import { PasswordController } from './password.controller';

/** The routes of password sign-in: the module that mounts them needs nothing beyond the base modules. */
@Module({})
class PasswordRoutesModule {
  static register(...imports: DynamicModule[]): DynamicModule {
    return { module: PasswordRoutesModule, imports };
  }
}

/**
 * Email and password: `POST /register`, `/login` (with sessions), `/token` (with jwt), `/password`.
 * Options: `passwordHashing`, `lockout` (shared with every check of a password).
 */
export const password: AuthFeature = {
  name: 'password',
  module: (base) => PasswordRoutesModule.register(...base),
  controllers: [PasswordController],
};
