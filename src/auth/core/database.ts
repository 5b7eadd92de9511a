import type { QueryRunner } from 'typeorm';

/** The SQL databases the module's schema is written for. */
export type AuthDatabase = 'postgres' | 'sqlite';

/** The module's dialect for a TypeORM DataSource `type`. */
export function authDatabaseOf(type: string): AuthDatabase {
  if (type === 'postgres') return 'postgres';
  if (type === 'better-sqlite3' || type === 'sqlite') return 'sqlite';
  throw new Error(`AuthModule: the schema is written for PostgreSQL and SQLite, not ${type}`);
}

/** A timestamp column: PostgreSQL keeps the instant with its zone, SQLite the ISO text TypeORM writes. */
export function timestampType(database: AuthDatabase): 'timestamptz' | 'datetime' {
  return database === 'postgres' ? 'timestamptz' : 'datetime';
}

/** The same, for a migration. */
export function migrationTimestampType(queryRunner: QueryRunner): 'timestamptz' | 'datetime' {
  return timestampType(authDatabaseOf(queryRunner.connection.options.type));
}

/** Every table that points at a user holds the host's id as text, so integer and string ids fit alike. */
export const USER_ID_LENGTH = 64;

/** Entity schemas of one feature for one database; `builtInUsers` adds the foreign keys to `auth_users`. */
export interface SchemaContext {
  database: AuthDatabase;
  builtInUsers: boolean;
}
