import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

/** Longest credential id WebAuthn allows (1023 bytes), in base64url. */
export const CREDENTIAL_ID_MAX_LENGTH = 1364;

/** A passkey of a user: the authenticator's public key for one credential, and its signature counter. */
export class Passkey {
  /** Public identifier of the row, for the list and DELETE; not the credential id. */
  id: string;
  userId: string;
  /** The credential id the authenticator chose, base64url. */
  credentialId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** The signature counter last seen (0 for authenticators that keep none). */
  counter: number;
  /** What the authenticator said it can be reached over (`internal`, `hybrid`, `usb`, …), as a hint for the browser. */
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

// PostgreSQL hands bigint columns back as text; the counter is a uint32, well inside a JavaScript number.
const counterTransformer = { to: (value: number) => value, from: (value: string | number) => Number(value) };

export const passkeySchema = (context: SchemaContext) =>
  new EntitySchema<Passkey>({
    name: 'Passkey',
    target: Passkey,
    tableName: 'auth_passkeys',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH },
      credentialId: { name: 'credential_id', type: 'varchar', length: CREDENTIAL_ID_MAX_LENGTH },
      publicKey: { name: 'public_key', type: 'text' },
      counter: { type: 'bigint', transformer: counterTransformer },
      transports: { type: 'simple-json' },
      name: { type: 'varchar', length: 100 },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
      lastUsedAt: { name: 'last_used_at', type: timestampType(context.database), nullable: true },
    },
    uniques: [{ name: 'UQ_auth_passkeys_credential_id', columns: ['credentialId'] }],
    indices: [{ name: 'IDX_auth_passkeys_user', columns: ['userId'] }],
    foreignKeys: builtInUserForeignKey(context, 'auth_passkeys'),
  });
