import type { AuthSchemaOptions } from '../entities';
import { CreateAuthUsers1796083200000 } from '../users/migrations/1796083200000-CreateAuthUsers';
import { IndexAuthUsersByCreation1796083215000 } from '../users/migrations/1796083215000-IndexAuthUsersByCreation';
import { LinkAuthTablesToUsers1796083290000 } from '../users/migrations/1796083290000-LinkAuthTablesToUsers';
import { CreateSessionTables1796083201000 } from './1796083201000-CreateSessionTables';
import { CreateRefreshTokenTables1796083202000 } from './1796083202000-CreateRefreshTokenTables';
import { CreateApiKeys1796083203000 } from './1796083203000-CreateApiKeys';
import { CreateAuthEvents1796083204000 } from './1796083204000-CreateAuthEvents';
import { CreateUserRevocations1796083205000 } from './1796083205000-CreateUserRevocations';
import { CreateRevocationEvents1796083206000 } from './1796083206000-CreateRevocationEvents';
import { CreateServiceCertificates1796083207000 } from './1796083207000-CreateServiceCertificates';
import { CreateEmailTables1796083208000 } from './1796083208000-CreateEmailTables';
import { CreatePasskeys1796083211000 } from './1796083211000-CreatePasskeys';
import { CreateMfaTables1796083210000 } from './1796083210000-CreateMfaTables';
import { CreateIdentities1796083209000 } from './1796083209000-CreateIdentities';
import { AddProofToRefreshTokenFamilies1796083230000 } from './1796083230000-AddProofToRefreshTokenFamilies';

/** The module's own tables; they hold user ids but point at no users table. */
const MODULE_MIGRATIONS = [
  CreateSessionTables1796083201000,
  CreateRefreshTokenTables1796083202000,
  CreateApiKeys1796083203000,
  CreateAuthEvents1796083204000,
  CreateUserRevocations1796083205000,
  CreateRevocationEvents1796083206000,
  CreateServiceCertificates1796083207000,
  CreateEmailTables1796083208000,
  CreatePasskeys1796083211000,
  CreateMfaTables1796083210000,
  CreateIdentities1796083209000,
  AddProofToRefreshTokenFamilies1796083230000,
];

/** The built-in users table, and the foreign keys that tie the module's tables to it; a host with its own users leaves these out. */
const BUILT_IN_USER_MIGRATIONS = [CreateAuthUsers1796083200000, IndexAuthUsersByCreation1796083215000, LinkAuthTablesToUsers1796083290000];

/**
 * Every migration of the module, for the host's DataSource; they run on PostgreSQL and SQLite.
 *
 * @example
 * migrations: [...authMigrations({ builtInUsers: false }), ...myMigrations]
 */
export function authMigrations(options: AuthSchemaOptions = {}): Array<new () => object> {
  return [...MODULE_MIGRATIONS, ...((options.builtInUsers ?? true) ? BUILT_IN_USER_MIGRATIONS : [])];
}
