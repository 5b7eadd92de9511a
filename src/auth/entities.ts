import type { EntitySchema } from 'typeorm';
import { apiKeySchema } from './api-key/api-key.entity';
import { authEventSchema } from './audit/auth-event.entity';
import { authDatabaseOf, SchemaContext } from './core/database';
import { emailTokenSchema } from './email/email-token.entity';
import { queuedMailSchema } from './email/queued-mail.entity';
import { mfaChallengeSchema } from './mfa/mfa-challenge.entity';
import { mfaRecoveryCodeSchema } from './mfa/mfa-recovery-code.entity';
import { mfaTotpSchema } from './mfa/mfa-totp.entity';
import { identitySchema } from './oidc/identity.entity';
import { revocationRecordSchema } from './core/revocation-record.entity';
import { userRevocationSchema } from './core/user-revocation.entity';
import { refreshTokenSchema } from './jwt/refresh-token.entity';
import { refreshTokenFamilySchema } from './jwt/refresh-token-family.entity';
import { serviceCertificateSchema } from './mtls/service-certificate.entity';
import { passkeySchema } from './passkeys/passkey.entity';
import { sessionRecordSchema } from './session/session-record.entity';
import { userSessionSchema } from './session/user-session.entity';
import { userSchema } from './users/user.entity';

export interface AuthSchemaOptions {
  /** The module's own `auth_users` table (default true); false when the host passes `users` of its own. */
  builtInUsers?: boolean;
}

/**
 * Every entity of the module for the host's DataSource, for its database type (`postgres` or
 * `better-sqlite3`): the same tables, columns, indexes and foreign keys the migrations create.
 *
 * @example
 * TypeOrmModule.forRoot({ type: 'postgres', entities: [...authEntities('postgres'), Order], migrations: [...authMigrations(), ...mine] })
 */
export function authEntities(databaseType: string, options: AuthSchemaOptions = {}): EntitySchema[] {
  const context: SchemaContext = { database: authDatabaseOf(databaseType), builtInUsers: options.builtInUsers ?? true };
  const schemas: Array<(context: SchemaContext) => EntitySchema<never>> = [
    userSessionSchema,
    sessionRecordSchema,
    refreshTokenFamilySchema,
    refreshTokenSchema,
    apiKeySchema,
    serviceCertificateSchema,
    authEventSchema,
    userRevocationSchema,
    revocationRecordSchema,
    emailTokenSchema,
    queuedMailSchema,
    passkeySchema,
    mfaTotpSchema,
    mfaRecoveryCodeSchema,
    mfaChallengeSchema,
    identitySchema,
    ...(context.builtInUsers ? [userSchema] : []),
  ] as never;
  return schemas.map((schema) => schema(context));
}
