import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType } from '../core/database';

/** One refresh token of a family, stored only as the SHA-256 of its value. */
export class RefreshToken {
  id: string;
  familyId: string;
  tokenHash: string;
  createdAt: Date;
  /** Set once, by the one request that spends the token; a later presentation is a reuse. */
  spentAt: Date | null;
}

export const refreshTokenSchema = (context: SchemaContext) =>
  new EntitySchema<RefreshToken>({
    name: 'RefreshToken',
    target: RefreshToken,
    tableName: 'auth_refresh_tokens',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      familyId: { name: 'family_id', type: 'varchar', length: 36 },
      tokenHash: { name: 'token_hash', type: 'varchar', length: 64, select: false },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
      spentAt: { name: 'spent_at', type: timestampType(context.database), nullable: true },
    },
    uniques: [{ name: 'UQ_auth_refresh_tokens_token_hash', columns: ['tokenHash'] }],
    indices: [{ name: 'IDX_auth_refresh_tokens_family', columns: ['familyId'] }],
    foreignKeys: [
      {
        name: 'FK_auth_refresh_tokens_family_id',
        target: 'auth_refresh_token_families',
        columnNames: ['family_id'],
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      },
    ],
  });
