import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhooksService } from './webhooks.service';

/** Webhook endpoints, the outbox the audit trail fills in its transactions, and the worker that delivers it. */
@Module({})
export class WebhooksModule {
  /** `imports`: the module's core and audit modules (and the rest of the base), as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: WebhooksModule,
      imports: [...imports, TypeOrmModule.forFeature([WebhookEndpoint, WebhookDelivery])],
      providers: [WebhooksService, WebhookDeliveryWorker],
      exports: [WebhooksService],
    };
  }
}
