import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';

/** Where an admin asked audit events to be posted. Its secrets are sealed (key ring, the endpoint id as context). */
export class WebhookEndpoint {
  id: string;
  url: string;
  /** Audit event types, or `['*']` for every one. */
  events: string[];
  description: string | null;
  secret: string;
  /** The secret before the last rotation: it signs too until `previousSecretUntil`. */
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  /** An admin paused it: events are not queued for it meanwhile. */
  disabledAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const webhookEndpointSchema = (context: SchemaContext) =>
  new EntitySchema<WebhookEndpoint>({
    name: 'WebhookEndpoint',
    target: WebhookEndpoint,
    tableName: 'auth_webhook_endpoints',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      url: { type: 'varchar', length: 2048 },
      events: { type: 'simple-json' },
      description: { type: 'varchar', length: 200, nullable: true },
      secret: { type: 'varchar', length: 200, select: false },
      previousSecret: { name: 'previous_secret', type: 'varchar', length: 200, nullable: true, select: false },
      previousSecretUntil: { name: 'previous_secret_until', type: timestampType(context.database), nullable: true },
      disabledAt: { name: 'disabled_at', type: timestampType(context.database), nullable: true },
      createdBy: { name: 'created_by', type: 'varchar', length: USER_ID_LENGTH, nullable: true },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
      updatedAt: { name: 'updated_at', type: timestampType(context.database) },
    },
  });
