import { DynamicModule, Module, Type } from '@nestjs/common';
import type { ModuleMetadata } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { USER_STORE, UserStore } from '../core/user-store';
import { TypeOrmUserStore } from './typeorm-user.store';
import { User } from './user.entity';

/** Where the module's users come from: the host's adapter of the UserStore port, and what it needs. */
export interface UsersOption {
  useClass: Type<UserStore>;
  /** Modules the adapter's dependencies come from (e.g. `TypeOrmModule.forFeature([Member])`). */
  imports?: ModuleMetadata['imports'];
}

/**
 * Provides the UserStore to the module's features, and to nothing else: AuthModule does not export
 * it, so a host cannot disable a user or set a password past AccountsService by mistake.
 */
@Module({})
export class UsersModule {
  static register(users?: UsersOption): DynamicModule {
    const imports = users ? (users.imports ?? []) : [TypeOrmModule.forFeature([User])];
    return {
      module: UsersModule,
      imports,
      providers: [{ provide: USER_STORE, useClass: users?.useClass ?? TypeOrmUserStore }],
      exports: [USER_STORE],
    };
  }
}
