import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

/** A user's account at an OpenID provider: the pair (provider, `sub`) signs the user in. */
export class Identity {
  id: string;
  /** The provider's configured name (`google`, `corp`). */
  provider: string;
  /** The provider's `sub`: stable and unique per provider (OpenID Connect Core §2). */
  subject: string;
  userId: string;
  /** The address the provider gave at linking, for the user to recognise the identity; never used to find it. */
  email: string | null;
  createdAt: Date;
}

export const identitySchema = (context: SchemaContext) =>
  new EntitySchema<Identity>({
    name: 'Identity',
    target: Identity,
    tableName: 'auth_identities',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      provider: { type: 'varchar', length: 32 },
      subject: { type: 'varchar', length: 255 },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH },
      email: { type: 'varchar', length: 254, nullable: true },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    uniques: [{ name: 'UQ_auth_identities_provider_subject', columns: ['provider', 'subject'] }],
    indices: [{ name: 'IDX_auth_identities_user', columns: ['userId'] }],
    foreignKeys: builtInUserForeignKey(context, 'auth_identities'),
  });
