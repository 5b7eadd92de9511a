import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

export type EmailTokenKind = 'verify' | 'reset' | 'change';

/** A one-time token sent by mail, kept only as the SHA-256 of its value. */
export class EmailToken {
  id: string;
  userId: string;
  kind: EmailTokenKind;
  tokenHash: string;
  /** The address the token was sent to: a verification holds only while the account still has it, a change moves it there. */
  email: string;
  expiresAt: Date;
  /** Set once, by the one request that spends it, or when a newer token or a reset voids it. */
  usedAt: Date | null;
  createdAt: Date;
}

export const emailTokenSchema = (context: SchemaContext) =>
  new EntitySchema<EmailToken>({
    name: 'EmailToken',
    target: EmailToken,
    tableName: 'auth_email_tokens',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH },
      kind: { type: 'varchar', length: 16 },
      tokenHash: { name: 'token_hash', type: 'varchar', length: 64, select: false },
      email: { type: 'varchar', length: 254 },
      expiresAt: { name: 'expires_at', type: timestampType(context.database) },
      usedAt: { name: 'used_at', type: timestampType(context.database), nullable: true },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    uniques: [{ name: 'UQ_auth_email_tokens_token_hash', columns: ['tokenHash'] }],
    indices: [
      { name: 'IDX_auth_email_tokens_user_kind', columns: ['userId', 'kind'] },
      { name: 'IDX_auth_email_tokens_expires', columns: ['expiresAt'] },
    ],
    foreignKeys: builtInUserForeignKey(context, 'auth_email_tokens'),
  });
