import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType } from './database';

/**
 * One announced revocation, kept for an hour: what every instance reads back from the database, so
 * that an event the Redis bus did not bring (a publisher or a subscriber cut off, a second process in
 * embedded mode) still arrives, within the poll interval.
 */
export class RevocationRecord {
  id: string;
  type: string;
  /** The event as JSON: ids only, never a secret. */
  body: string;
  createdAt: Date;
}

export const revocationRecordSchema = (context: SchemaContext) =>
  new EntitySchema<RevocationRecord>({
    name: 'RevocationRecord',
    target: RevocationRecord,
    tableName: 'auth_revocation_events',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      type: { type: 'varchar', length: 32 },
      body: { type: 'text' },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    indices: [{ name: 'IDX_auth_revocation_events_created', columns: ['createdAt'] }],
  });
