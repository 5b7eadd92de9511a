import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { apiKeys, authEntities, AuthModule, authMigrations, password, sessions } from '@nest-auth/core';
import { CreateMembers1700000000000, Member, MemberStore } from './members';

const features = [sessions, apiKeys, password];

/**
 * A host's root module as its operators point the CLI at it (`--module dist/test/support/cli-host.js#cliHost`):
 * its own users table, sessions and API keys only, on the SQLite file in CLI_HOST_DB.
 */
export function cliHost(): DynamicModule {
  @Module({})
  class CliHostModule {}
  return {
    module: CliHostModule,
    imports: [
      TypeOrmModule.forRoot({
        type: 'better-sqlite3',
        database: process.env.CLI_HOST_DB as string,
        entities: [Member, ...authEntities('better-sqlite3', { features, builtInUsers: false })],
        migrations: [CreateMembers1700000000000, ...authMigrations({ features, builtInUsers: false })],
      }),
      AuthModule.forRoot({
        features,
        session: { secrets: ['a-host-secret-of-at-least-32-characters'] },
        passwordHashing: { memoryCost: 8192, timeCost: 1 },
        users: { useClass: MemberStore, imports: [TypeOrmModule.forFeature([Member])] },
      }),
    ],
  };
}
