import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

/** A user's TOTP secret, sealed (MfaCipher); pending until a first code confirms it. */
export class MfaTotp {
  userId: string;
  sealedSecret: string;
  /** Null while pending: the secret was shown but no code from it has been seen yet. */
  confirmedAt: Date | null;
  /** The time step of the last code accepted: that code and every earlier one are refused from then on. */
  lastUsedStep: number | null;
  createdAt: Date;
}

export const mfaTotpSchema = (context: SchemaContext) =>
  new EntitySchema<MfaTotp>({
    name: 'MfaTotp',
    target: MfaTotp,
    tableName: 'auth_mfa_totp',
    columns: {
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH, primary: true },
      sealedSecret: { name: 'sealed_secret', type: 'varchar', length: 200, select: false },
      confirmedAt: { name: 'confirmed_at', type: timestampType(context.database), nullable: true },
      lastUsedStep: { name: 'last_used_step', type: 'integer', nullable: true },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    foreignKeys: builtInUserForeignKey(context, 'auth_mfa_totp'),
  });
