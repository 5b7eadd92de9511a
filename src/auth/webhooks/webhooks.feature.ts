import type { AuthFeature } from '../core/auth-feature';
import { CreateWebhookTables1796083300000 } from './migrations/1796083300000-CreateWebhookTables';
import { webhookDeliverySchema } from './webhook-delivery.entity';
import { webhookEndpointSchema } from './webhook-endpoint.entity';
import { resolveWebhookOptions, WEBHOOK_OPTIONS, WebhookOptions } from './webhooks.options';

/**
 * Audit events posted to endpoints an admin registers, signed per Standard Webhooks, from an outbox
 * written in each event's transaction, at least once, retried for 3 days. Options: `webhooks`
 * (encryption keys, by default `mfa.encryptionKeys`). Loads standardwebhooks.
 */
export const webhooks: AuthFeature = {
  name: 'webhooks',
  packages: ['standardwebhooks'],
  options: [
    {
      token: WEBHOOK_OPTIONS,
      resolve: (o: { webhooks?: WebhookOptions; mfa?: { encryptionKeys?: string[] } }) =>
        resolveWebhookOptions(o.webhooks, o.mfa?.encryptionKeys),
    },
  ],
  module: (base) =>
    (require('./webhooks.module') as typeof import('./webhooks.module')).WebhooksModule.register(...base),
  get controllers() {
    return [(require('./webhooks.controller') as typeof import('./webhooks.controller')).WebhooksController];
  },
  schemas: [webhookEndpointSchema, webhookDeliverySchema],
  migrations: () => [CreateWebhookTables1796083300000],
};
