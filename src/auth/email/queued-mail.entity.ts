import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType } from '../core/database';

/**
 * A mail waiting to be sent, or a request that becomes one (a password reset asked for an address
 * not looked up yet). The payload is encrypted: a queued mail holds a one-time link.
 */
export class QueuedMail {
  id: string;
  /** `mail` when the payload is the mail itself; otherwise the kind of request to resolve into one. */
  kind: string;
  payload: string;
  attempts: number;
  nextAttemptAt: Date;
  /** Set while an instance is sending it; another instance takes it over once this has passed. */
  lockedUntil: Date | null;
  createdAt: Date;
}

export const queuedMailSchema = (context: SchemaContext) =>
  new EntitySchema<QueuedMail>({
    name: 'QueuedMail',
    target: QueuedMail,
    tableName: 'auth_mail_queue',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      kind: { type: 'varchar', length: 32 },
      payload: { type: 'text' },
      attempts: { type: 'integer' },
      nextAttemptAt: { name: 'next_attempt_at', type: timestampType(context.database) },
      lockedUntil: { name: 'locked_until', type: timestampType(context.database), nullable: true },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    indices: [{ name: 'IDX_auth_mail_queue_next_attempt', columns: ['nextAttemptAt'] }],
  });
