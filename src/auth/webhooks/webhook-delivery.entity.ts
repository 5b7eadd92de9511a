import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType } from '../core/database';

/**
 * One event for one endpoint: written in the transaction of the event (the outbox), then worked by
 * whichever instance claims it first. `eventId` is the `webhook-id` of every attempt.
 */
export class WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  /** The body posted on every attempt, `{type, timestamp, data}`; never holds a secret. */
  payload: string;
  attempts: number;
  /** The HTTP status of the last answer, or null when the last attempt got none. */
  lastStatus: number | null;
  /** Why the last attempt failed, as a short code (`status`, `timeout`, `connection`, `refused-target`). */
  lastError: string | null;
  /** When it is due; null once it is delivered or failed. */
  nextAttemptAt: Date | null;
  /** Held by the instance posting it until then; past it (that instance died) another one takes it. */
  lockedUntil: Date | null;
  /** Retried until then, then marked failed. */
  retryUntil: Date;
  deliveredAt: Date | null;
  failedAt: Date | null;
  createdAt: Date;
}

export const webhookDeliverySchema = (context: SchemaContext) =>
  new EntitySchema<WebhookDelivery>({
    name: 'WebhookDelivery',
    target: WebhookDelivery,
    tableName: 'auth_webhook_deliveries',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      endpointId: { name: 'endpoint_id', type: 'varchar', length: 36 },
      eventId: { name: 'event_id', type: 'varchar', length: 36 },
      eventType: { name: 'event_type', type: 'varchar', length: 40 },
      payload: { type: 'text' },
      attempts: { type: 'integer' },
      lastStatus: { name: 'last_status', type: 'integer', nullable: true },
      lastError: { name: 'last_error', type: 'varchar', length: 32, nullable: true },
      nextAttemptAt: { name: 'next_attempt_at', type: timestampType(context.database), nullable: true },
      lockedUntil: { name: 'locked_until', type: timestampType(context.database), nullable: true },
      retryUntil: { name: 'retry_until', type: timestampType(context.database) },
      deliveredAt: { name: 'delivered_at', type: timestampType(context.database), nullable: true },
      failedAt: { name: 'failed_at', type: timestampType(context.database), nullable: true },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    indices: [
      { name: 'IDX_auth_webhook_deliveries_due', columns: ['nextAttemptAt'] },
      { name: 'IDX_auth_webhook_deliveries_endpoint', columns: ['endpointId', 'createdAt'] },
    ],
    foreignKeys: [
      {
        name: 'FK_auth_webhook_deliveries_endpoint',
        target: 'auth_webhook_endpoints',
        columnNames: ['endpointId'],
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      },
    ],
  });
