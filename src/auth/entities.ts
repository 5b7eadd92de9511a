import type { EntitySchema } from 'typeorm';
import { authEventSchema } from './audit/auth-event.entity';
import type { AuthFeature } from './core/auth-feature';
import { authDatabaseOf, SchemaContext } from './core/database';
import { revocationRecordSchema } from './core/revocation-record.entity';
import { userRevocationSchema } from './core/user-revocation.entity';
import { userSchema } from './users/user.entity';

export interface AuthSchemaOptions {
  /** The features listed in `AuthModule.forRoot`: their tables, beside the ones every composition has. */
  features: readonly AuthFeature[];
  /** The module's own `auth_users` table (default true); false when the host passes `users` of its own. */
  builtInUsers?: boolean;
}

/** What every composition stores: the audit trail and the revocations every instance hears of. */
const BASE_SCHEMAS = [authEventSchema, userRevocationSchema, revocationRecordSchema];

/**
 * The entities of the listed features for the host's DataSource, for its database type (`postgres`
 * or `better-sqlite3`): the same tables, columns, indexes and foreign keys the migrations create.
 *
 * @example
 * const features = [sessions, jwt, apiKeys, password];
 * TypeOrmModule.forRoot({ type: 'postgres', entities: [...authEntities('postgres', { features }), Order], migrations: [...authMigrations({ features }), ...mine] })
 */
export function authEntities(databaseType: string, options: AuthSchemaOptions): EntitySchema[] {
  const context: SchemaContext = { database: authDatabaseOf(databaseType), builtInUsers: options.builtInUsers ?? true };
  const schemas = [
    ...BASE_SCHEMAS,
    ...options.features.flatMap((feature) => feature.schemas ?? []),
    ...(context.builtInUsers ? [userSchema] : []),
  ] as Array<(context: SchemaContext) => EntitySchema>;
  return schemas.map((schema) => schema(context));
}
