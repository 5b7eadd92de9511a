import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType } from '../core/database';

/** express-session's key-value store in SQL, for the embedded mode (Redis holds it in production). */
export class SessionRecord {
  /** SHA-256 of the session ID: a stolen table dump holds no usable cookie. */
  sidHash: string;
  data: string;
  expiresAt: Date;
}

export const sessionRecordSchema = (context: SchemaContext) =>
  new EntitySchema<SessionRecord>({
    name: 'SessionRecord',
    target: SessionRecord,
    tableName: 'auth_session_store',
    columns: {
      sidHash: { name: 'sid_hash', type: 'varchar', length: 64, primary: true },
      data: { type: 'text' },
      expiresAt: { name: 'expires_at', type: timestampType(context.database) },
    },
    indices: [{ name: 'IDX_auth_session_store_expires', columns: ['expiresAt'] }],
  });
