import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { Brackets, EntityManager, IsNull, Not, Repository } from 'typeorm';
import { AuditLog, AuditTransaction } from '../audit/audit-log.service';
import { AuthEvent } from '../audit/auth-event.entity';
import { KeyRing } from '../core/encryption-keys';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { resolveTarget } from './webhook-target';
import { ResolvedWebhookOptions, WEBHOOK_OPTIONS } from './webhooks.options';
import { decodePageCursor, encodePageCursor } from '../core/page-cursor';

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  disabled: boolean;
  /** While set and in the future, the secret before the last rotation signs too. */
  previousSecretUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreatedWebhook extends WebhookView {
  /** `whsec_…`: shown in this answer only. */
  secret: string;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  failedAt: Date | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
}

export interface WebhookChange {
  url?: string;
  events?: string[];
  description?: string | null;
  disabled?: boolean;
}

/** How long an instance serves the endpoints it read before it reads them again: a change elsewhere applies within it. */
const ENDPOINTS_TTL_MS = 1000;
const DELIVERIES_PAGE = 50;
/** How long a delivery that is done (delivered or given up on) stays in the deliveries list. */
const DELIVERY_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Webhook endpoints and their outbox. Every stored audit event writes one delivery per enabled
 * endpoint that subscribes to its type, in the event's own transaction: the event and its deliveries
 * commit together or not at all. Secrets are sealed at rest and shown once.
 */
@Injectable()
export class WebhooksService implements OnModuleInit {
  private readonly ring: KeyRing;
  private cached?: { at: number; endpoints: Array<Pick<WebhookEndpoint, 'id' | 'events'>> };

  constructor(
    @InjectRepository(WebhookEndpoint) private readonly endpoints: Repository<WebhookEndpoint>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    private readonly audit: AuditLog,
    @Inject(WEBHOOK_OPTIONS) private readonly options: ResolvedWebhookOptions,
  ) {
    this.ring = new KeyRing(options.keys, 'webhook secrets');
  }

  onModuleInit(): void {
    this.audit.onStored('*', (event, manager) => this.enqueue(event, manager));
  }

  /** Checks the URL as a delivery would (resolving its host), then stores the endpoint with a new secret. */
  async create(
    input: { url: string; events: string[]; description?: string | null },
    tx: AuditTransaction,
    createdBy: string | null,
  ): Promise<CreatedWebhook> {
    await resolveTarget(input.url, this.options);
    const id = randomUUID();
    const secret = newSecret();
    const now = new Date();
    const endpoint: WebhookEndpoint = {
      id,
      url: input.url,
      events: uniqueEvents(input.events),
      description: input.description ?? null,
      secret: this.ring.seal(secret, id),
      previousSecret: null,
      previousSecretUntil: null,
      disabledAt: null,
      createdBy,
      createdAt: now,
      updatedAt: now,
    };
    await tx.manager.insert(WebhookEndpoint, endpoint);
    this.cached = undefined;
    return { ...view(endpoint), secret };
  }

  async list(): Promise<WebhookView[]> {
    return (await this.endpoints.find({ order: { createdAt: 'ASC', id: 'ASC' } })).map(view);
  }

  async get(id: string): Promise<WebhookView | null> {
    const endpoint = await this.endpoints.findOneBy({ id });
    return endpoint ? view(endpoint) : null;
  }

  async update(id: string, change: WebhookChange, tx: AuditTransaction): Promise<WebhookView | null> {
    const endpoint = await tx.manager.findOneBy(WebhookEndpoint, { id });
    if (!endpoint) return null;
    if (change.url !== undefined) {
      await resolveTarget(change.url, this.options);
      endpoint.url = change.url;
    }
    if (change.events !== undefined) endpoint.events = uniqueEvents(change.events);
    if (change.description !== undefined) endpoint.description = change.description;
    if (change.disabled !== undefined)
      endpoint.disabledAt = change.disabled ? (endpoint.disabledAt ?? new Date()) : null;
    endpoint.updatedAt = new Date();
    await tx.manager.update(
      WebhookEndpoint,
      { id },
      {
        url: endpoint.url,
        events: endpoint.events,
        description: endpoint.description,
        disabledAt: endpoint.disabledAt,
        updatedAt: endpoint.updatedAt,
      },
    );
    this.cached = undefined;
    return view(endpoint);
  }

  /** Deletes the endpoint and its deliveries (waiting ones are never sent). */
  async remove(id: string, tx: AuditTransaction): Promise<boolean> {
    await tx.manager.delete(WebhookDelivery, { endpointId: id });
    const { affected } = await tx.manager.delete(WebhookEndpoint, { id });
    this.cached = undefined;
    return affected === 1;
  }

  /** A new secret; the one it replaces keeps signing beside it for the overlap, so receivers can switch without a gap. */
  async rotateSecret(id: string, tx: AuditTransaction): Promise<{ secret: string; previousSecretUntil: Date } | null> {
    const endpoint = await tx.manager
      .getRepository(WebhookEndpoint)
      .createQueryBuilder('w')
      .addSelect('w.secret')
      .where('w.id = :id', { id })
      .getOne();
    if (!endpoint) return null;
    const secret = newSecret();
    const previousSecretUntil = new Date(Date.now() + this.options.secretOverlapMs);
    await tx.manager.update(
      WebhookEndpoint,
      { id },
      {
        secret: this.ring.seal(secret, id),
        previousSecret: endpoint.secret,
        previousSecretUntil,
        updatedAt: new Date(),
      },
    );
    return { secret, previousSecretUntil };
  }

  /** The secrets that sign a delivery now: the current one, and the previous one during its overlap. */
  async signingSecrets(id: string, now = Date.now()): Promise<string[] | null> {
    const endpoint = await this.endpoints
      .createQueryBuilder('w')
      .addSelect(['w.secret', 'w.previousSecret'])
      .where('w.id = :id', { id })
      .getOne();
    if (!endpoint) return null;
    const secrets = [this.ring.open(endpoint.secret, id)];
    if (endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil.getTime() > now)
      secrets.push(this.ring.open(endpoint.previousSecret, id));
    return secrets;
  }

  /** Newest first; null for a cursor this did not make. */
  async deliveriesOf(
    endpointId: string,
    cursor: string | undefined,
    limit = DELIVERIES_PAGE,
  ): Promise<{ items: DeliveryView[]; nextCursor: string | null } | null> {
    const after = cursor ? decodePageCursor(cursor) : undefined;
    if (after === null) return null;
    const builder = this.deliveries
      .createQueryBuilder('d')
      .where('d.endpointId = :endpointId', { endpointId })
      .orderBy('d.createdAt', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(limit + 1);
    if (after)
      builder.andWhere(
        new Brackets((where) =>
          where.where('d.createdAt < :at', { at: after.at }).orWhere('d.createdAt = :at AND d.id < :id', after),
        ),
      );
    const rows = await builder.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(deliveryView),
      nextCursor: rows.length > limit && last ? encodePageCursor(last.createdAt, last.id) : null,
    };
  }

  /** Due again now, delivered or not, with a new retry window; the same `webhook-id`. Null when the endpoint has no such delivery. */
  async redeliver(endpointId: string, deliveryId: string): Promise<DeliveryView | null> {
    const now = new Date();
    const { affected } = await this.deliveries.update(
      { id: deliveryId, endpointId },
      {
        nextAttemptAt: now,
        deliveredAt: null,
        failedAt: null,
        retryUntil: new Date(now.getTime() + this.options.retryForMs),
      },
    );
    if (affected !== 1) return null;
    const delivery = await this.deliveries.findOneBy({ id: deliveryId });
    return delivery ? deliveryView(delivery) : null;
  }

  /** Deliveries not delivered nor failed yet, for the outbox gauge (only those have a next attempt: the index answers). */
  waiting(): Promise<number> {
    return this.deliveries.count({ where: { nextAttemptAt: Not(IsNull()) } });
  }

  /** Deletes delivered and failed deliveries older than the retention; those still being retried stay. */
  async prune(now = Date.now()): Promise<void> {
    await this.deliveries
      .createQueryBuilder()
      .delete()
      .from(WebhookDelivery)
      .where('created_at < :cutoff', { cutoff: new Date(now - DELIVERY_RETENTION_MS) })
      .andWhere('next_attempt_at IS NULL')
      .execute();
  }

  private async enqueue(event: AuthEvent, manager: EntityManager): Promise<void> {
    const endpoints = (await this.subscribers(manager)).filter(
      ({ events }) => events.includes('*') || events.includes(event.type),
    );
    if (!endpoints.length) return;
    const payload = JSON.stringify({
      type: event.type,
      timestamp: event.createdAt.toISOString(),
      data: {
        id: event.id,
        userId: event.userId,
        actorId: event.actorId,
        mechanism: event.mechanism,
        ip: event.ip,
        detail: event.detail,
        createdAt: event.createdAt.toISOString(),
      },
    });
    const now = new Date();
    const retryUntil = new Date(now.getTime() + this.options.retryForMs);
    await manager.insert(
      WebhookDelivery,
      endpoints.map(({ id }) => ({
        id: randomUUID(),
        endpointId: id,
        eventId: event.id,
        eventType: event.type,
        payload,
        attempts: 0,
        lastStatus: null,
        lastError: null,
        nextAttemptAt: now,
        lockedUntil: null,
        retryUntil,
        deliveredAt: null,
        failedAt: null,
        createdAt: now,
      })),
    );
  }

  /** The enabled endpoints, read in the event's transaction at most once a second per instance. */
  private async subscribers(manager: EntityManager): Promise<Array<Pick<WebhookEndpoint, 'id' | 'events'>>> {
    if (this.cached && Date.now() - this.cached.at < ENDPOINTS_TTL_MS) return this.cached.endpoints;
    const endpoints = await manager.find(WebhookEndpoint, {
      select: { id: true, events: true },
      where: { disabledAt: IsNull() },
    });
    this.cached = { at: Date.now(), endpoints };
    return endpoints;
  }
}

/** Standard Webhooks' secret form: `whsec_` and the base64 of 32 random bytes. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function uniqueEvents(events: string[]): string[] {
  return events.includes('*') ? ['*'] : [...new Set(events)];
}

function view(endpoint: WebhookEndpoint): WebhookView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    disabled: endpoint.disabledAt !== null,
    previousSecretUntil: endpoint.previousSecretUntil,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
}

function deliveryView(delivery: WebhookDelivery): DeliveryView {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    attempts: delivery.attempts,
    lastStatus: delivery.lastStatus,
    lastError: delivery.lastError,
    deliveredAt: delivery.deliveredAt,
    failedAt: delivery.failedAt,
    nextAttemptAt: delivery.nextAttemptAt,
    createdAt: delivery.createdAt,
  };
}
