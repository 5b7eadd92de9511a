import { CreateAuthEvents1796083204000 } from '../audit/migrations/1796083204000-CreateAuthEvents';
import type { MigrationClass } from '../core/auth-feature';
import { CreateRevocationEvents1796083206000 } from '../core/migrations/1796083206000-CreateRevocationEvents';
import { CreateUserRevocations1796083205000 } from '../core/migrations/1796083205000-CreateUserRevocations';
import { linkedToUsers } from '../core/user-foreign-key';
import type { AuthSchemaOptions } from '../entities';
import { CreateAuthUsers1796083200000 } from '../users/migrations/1796083200000-CreateAuthUsers';
import { IndexAuthUsersByCreation1796083215000 } from '../users/migrations/1796083215000-IndexAuthUsersByCreation';
import { ReportEmailCollisions1796083295000 } from '../users/migrations/1796083295000-ReportEmailCollisions';

/**
 * The migrations of the listed features and of what every composition has, for the host's
 * DataSource; they run on PostgreSQL and SQLite. With the built-in users table, every table that holds
 * a user id gets a foreign key to it, in its own feature's migration.
 *
 * @example
 * migrations: [...authMigrations({ features, builtInUsers: false }), ...myMigrations]
 */
export function authMigrations(options: AuthSchemaOptions): MigrationClass[] {
  const builtInUsers = options.builtInUsers ?? true;
  return [
    ...(builtInUsers
      ? [CreateAuthUsers1796083200000, IndexAuthUsersByCreation1796083215000, ReportEmailCollisions1796083295000]
      : []),
    CreateAuthEvents1796083204000,
    linkedToUsers(CreateUserRevocations1796083205000, ['auth_user_revocations'], builtInUsers),
    CreateRevocationEvents1796083206000,
    ...options.features.flatMap((feature) => feature.migrations?.({ builtInUsers }) ?? []),
  ];
}
