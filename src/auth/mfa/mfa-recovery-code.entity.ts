import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

/** One recovery code, kept only as its HMAC (MfaCipher.hashCode) under the key `keyId` names. */
export class MfaRecoveryCode {
  id: string;
  userId: string;
  keyId: string;
  codeHash: string;
  /** Set once, by the one request that spends it. */
  usedAt: Date | null;
  createdAt: Date;
}

export const mfaRecoveryCodeSchema = (context: SchemaContext) =>
  new EntitySchema<MfaRecoveryCode>({
    name: 'MfaRecoveryCode',
    target: MfaRecoveryCode,
    tableName: 'auth_mfa_recovery_codes',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH },
      keyId: { name: 'key_id', type: 'varchar', length: 8 },
      codeHash: { name: 'code_hash', type: 'varchar', length: 64, select: false },
      usedAt: { name: 'used_at', type: timestampType(context.database), nullable: true },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    indices: [{ name: 'IDX_auth_mfa_recovery_codes_user', columns: ['userId'] }],
    foreignKeys: builtInUserForeignKey(context, 'auth_mfa_recovery_codes'),
  });
