import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from './database';
import { builtInUserForeignKey } from './user-foreign-key';

/**
 * Per user, the count of revocations (`epoch`) and the time of the last one: credentials issued
 * before `revokedAt` are void (logout-all, a password change, disabling), and a login whose epoch
 * moved while it ran is undone.
 */
export class UserRevocation {
  userId: string;
  epoch: number;
  revokedAt: Date;
}

export const userRevocationSchema = (context: SchemaContext) =>
  new EntitySchema<UserRevocation>({
    name: 'UserRevocation',
    target: UserRevocation,
    tableName: 'auth_user_revocations',
    columns: {
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH, primary: true },
      epoch: { type: 'integer' },
      revokedAt: { name: 'revoked_at', type: timestampType(context.database) },
    },
    indices: [{ name: 'IDX_auth_user_revocations_revoked', columns: ['revokedAt'] }],
    foreignKeys: builtInUserForeignKey(context, 'auth_user_revocations'),
  });
