import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

/** One login's chain of refresh tokens; revoking it ends every refresh and access token of that login. */
export class RefreshTokenFamily {
  /** Also the `sid` claim of the family's access tokens. */
  id: string;
  userId: string;
  createdAt: Date;
  /** Absolute end of the family, fixed at login; rotation never extends it. */
  expiresAt: Date;
  revokedAt: Date | null;
  /** The family's last proof of identity: the login's, or a re-authentication's; refreshes keep it. Null in families from before it was kept. */
  authTime: Date | null;
  /** RFC 8176 values of that proof, comma-separated. */
  amr: string | null;
  /** Written at most once a minute, on refresh. */
  lastUsedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  /** The admin who made the family acting as the user (impersonation); its access tokens carry `act: {sub}`. */
  actorId: string | null;
}

export const refreshTokenFamilySchema = (context: SchemaContext) =>
  new EntitySchema<RefreshTokenFamily>({
    name: 'RefreshTokenFamily',
    target: RefreshTokenFamily,
    tableName: 'auth_refresh_token_families',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
      expiresAt: { name: 'expires_at', type: timestampType(context.database) },
      revokedAt: { name: 'revoked_at', type: timestampType(context.database), nullable: true },
      authTime: { name: 'auth_time', type: timestampType(context.database), nullable: true },
      amr: { type: 'varchar', length: 64, nullable: true },
      lastUsedAt: { name: 'last_used_at', type: timestampType(context.database), nullable: true },
      ip: { type: 'varchar', length: 64, nullable: true },
      userAgent: { name: 'user_agent', type: 'varchar', length: 512, nullable: true },
      actorId: { name: 'actor_id', type: 'varchar', length: USER_ID_LENGTH, nullable: true },
    },
    indices: [
      { name: 'IDX_auth_refresh_token_families_user', columns: ['userId'] },
      { name: 'IDX_auth_refresh_token_families_expires', columns: ['expiresAt'] },
      { name: 'IDX_auth_refresh_token_families_revoked', columns: ['revokedAt'] },
    ],
    foreignKeys: builtInUserForeignKey(context, 'auth_refresh_token_families'),
  });
