import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

/** An `mfaToken` in the database (embedded mode; with Redis they live there), kept only as its SHA-256. */
export class MfaChallenge {
  tokenHash: string;
  userId: string;
  /** The user's revocation epoch read before the first factor. */
  epoch: number;
  /** The first factor (`password`, …), for the audit trail. */
  method: string;
  failures: number;
  expiresAt: Date;
  /** Set once, by the one success that spends it. */
  spentAt: Date | null;
}

export const mfaChallengeSchema = (context: SchemaContext) =>
  new EntitySchema<MfaChallenge>({
    name: 'MfaChallenge',
    target: MfaChallenge,
    tableName: 'auth_mfa_challenges',
    columns: {
      tokenHash: { name: 'token_hash', type: 'varchar', length: 64, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH },
      epoch: { type: 'integer' },
      method: { type: 'varchar', length: 32 },
      failures: { type: 'integer' },
      expiresAt: { name: 'expires_at', type: timestampType(context.database) },
      spentAt: { name: 'spent_at', type: timestampType(context.database), nullable: true },
    },
    indices: [
      { name: 'IDX_auth_mfa_challenges_expires', columns: ['expiresAt'] },
      { name: 'IDX_auth_mfa_challenges_user', columns: ['userId'] },
    ],
    foreignKeys: builtInUserForeignKey(context, 'auth_mfa_challenges'),
  });
