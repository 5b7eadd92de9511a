import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { CreateWebhookDto, DeliveriesQueryDto, UpdateWebhookDto } from './webhook.dto';
import { RefusedTarget } from './webhook-target';
import { CreatedWebhook, DeliveryView, WebhookView, WebhooksService } from './webhooks.service';

const notFound = () => new NotFoundException('Webhook not found');
/** Any id that is not a UUID names no endpoint: the same 404. */
const WEBHOOK_ID = new ParseUUIDPipe({ exceptionFactory: notFound });
const DELIVERY_ID = new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('Delivery not found') });

/** Changing where events go, or the secret that proves they came from here, needs a fresh authentication. */
@ApiTags('admin')
@Auth({ caller: 'user', roles: ['admin'] })
@AuthRoutes()
@Controller('admin/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly audit: AuditLog,
  ) {}

  @Documented('Add a webhook endpoint; its signing secret appears in this answer only', {
    201: '`{id, url, events, description, disabled, previousSecretUntil, createdAt, updatedAt, secret}`',
    400: 'Invalid input, or a URL the app may not call',
    401: 'Reauthentication required',
    403: 'Not an admin, or missing CSRF token',
  })
  @Auth({ caller: 'user', roles: ['admin'], fresh: true })
  @Post()
  @HttpCode(201)
  async create(
    @Body() body: CreateWebhookDto,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<CreatedWebhook> {
    return refusedAsBadRequest(() =>
      this.audit.transaction(async (tx) => {
        const created = await this.webhooks.create(body, tx, admin.user.id);
        tx.record({
          type: 'webhook.created',
          actorId: admin.user.id,
          mechanism: admin.via,
          request,
          detail: { webhookId: created.id, events: created.events.join(' ') },
        });
        return created;
      }),
    );
  }

  @Documented('Webhook endpoints, oldest first, never with a secret', {
    200: '`[{id, url, events, description, disabled, previousSecretUntil, createdAt, updatedAt}]`',
    403: 'Not an admin',
  })
  @Get()
  list(): Promise<WebhookView[]> {
    return this.webhooks.list();
  }

  @Documented('One webhook endpoint, never with its secret', {
    200: 'The endpoint',
    403: 'Not an admin',
    404: 'No such endpoint',
  })
  @Get(':id')
  async get(@Param('id', WEBHOOK_ID) id: string): Promise<WebhookView> {
    const endpoint = await this.webhooks.get(id);
    if (!endpoint) throw notFound();
    return endpoint;
  }

  @Documented('Change an endpoint’s URL, events, description, or pause it (`disabled`)', {
    200: 'The endpoint',
    400: 'Invalid input, or a URL the app may not call',
    401: 'Reauthentication required',
    403: 'Not an admin, or missing CSRF token',
    404: 'No such endpoint',
  })
  @Auth({ caller: 'user', roles: ['admin'], fresh: true })
  @Patch(':id')
  async update(
    @Param('id', WEBHOOK_ID) id: string,
    @Body() body: UpdateWebhookDto,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<WebhookView> {
    const updated = await refusedAsBadRequest(() =>
      this.audit.transaction(async (tx) => {
        const result = await this.webhooks.update(id, body, tx);
        if (result)
          tx.record({
            type: 'webhook.updated',
            actorId: admin.user.id,
            mechanism: admin.via,
            request,
            detail: { webhookId: id, fields: Object.keys(body).join(' ') },
          });
        return result;
      }),
    );
    if (!updated) throw notFound();
    return updated;
  }

  @Documented('Delete an endpoint and its deliveries; those waiting are never sent', {
    204: 'Deleted',
    403: 'Not an admin, or missing CSRF token',
    404: 'No such endpoint',
  })
  @Delete(':id')
  @HttpCode(204)
  async remove(
    @Param('id', WEBHOOK_ID) id: string,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    const removed = await this.audit.transaction(async (tx) => {
      const done = await this.webhooks.remove(id, tx);
      if (done)
        tx.record({
          type: 'webhook.deleted',
          actorId: admin.user.id,
          mechanism: admin.via,
          request,
          detail: { webhookId: id },
        });
      return done;
    });
    if (!removed) throw notFound();
  }

  @Documented('A new signing secret; the old one also signs until `previousSecretUntil` (24 hours)', {
    200: '`{secret, previousSecretUntil}`; `secret` appears in this answer only',
    401: 'Reauthentication required',
    403: 'Not an admin, or missing CSRF token',
    404: 'No such endpoint',
  })
  @Auth({ caller: 'user', roles: ['admin'], fresh: true })
  @Post(':id/rotate-secret')
  @HttpCode(200)
  async rotateSecret(
    @Param('id', WEBHOOK_ID) id: string,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<{ secret: string; previousSecretUntil: Date }> {
    const rotated = await this.audit.transaction(async (tx) => {
      const result = await this.webhooks.rotateSecret(id, tx);
      if (result)
        tx.record({
          type: 'webhook.secret_rotated',
          actorId: admin.user.id,
          mechanism: admin.via,
          request,
          detail: { webhookId: id },
        });
      return result;
    });
    if (!rotated) throw notFound();
    return rotated;
  }

  @Documented('Deliveries to an endpoint, newest first, a page at a time', {
    200: '`{items: [{id, eventId, eventType, attempts, lastStatus, lastError, deliveredAt, failedAt, nextAttemptAt, createdAt}], nextCursor}`',
    400: 'Invalid cursor',
    403: 'Not an admin',
    404: 'No such endpoint',
  })
  @Get(':id/deliveries')
  async deliveries(
    @Param('id', WEBHOOK_ID) id: string,
    @Query() query: DeliveriesQueryDto,
  ): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    if (!(await this.webhooks.get(id))) throw notFound();
    const page = await this.webhooks.deliveriesOf(id, query.cursor || undefined, query.limit);
    if (!page) throw new BadRequestException('Invalid cursor');
    return page;
  }

  @Documented('Send a delivery again now (same `webhook-id`), with a new retry window', {
    202: 'The delivery, due now',
    403: 'Not an admin, or missing CSRF token',
    404: 'No such endpoint or delivery',
  })
  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  async redeliver(
    @Param('id', WEBHOOK_ID) id: string,
    @Param('deliveryId', DELIVERY_ID) deliveryId: string,
  ): Promise<DeliveryView> {
    const delivery = await this.webhooks.redeliver(id, deliveryId);
    if (!delivery) throw new NotFoundException('Delivery not found');
    return delivery;
  }
}

/** A URL the app may not call is the admin's input error: 400 with the reason, never the address it resolved to. */
async function refusedAsBadRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RefusedTarget) throw new BadRequestException(error.message);
    throw error;
  }
}
