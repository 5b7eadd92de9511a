import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Webhook } from 'standardwebhooks';
import { Brackets, Repository } from 'typeorm';
import { AuthTelemetry } from '../core/auth-telemetry';
import { WebhookDelivery } from './webhook-delivery.entity';
import { postDelivery } from './webhook-sender';
import { ResolvedWebhookOptions, WEBHOOK_OPTIONS } from './webhooks.options';
import { WebhooksService } from './webhooks.service';

const WORK_INTERVAL_MS = 1000;
const BATCH = 20;
const FIRST_RETRY_MS = 5_000;
const LONGEST_WAIT_MS = 6 * 60 * 60 * 1000;
/** How often the deliveries of a disabled endpoint look again whether it was enabled. */
const PAUSED_RECHECK_MS = 60_000;
/** The outbox gauge is counted every this many rounds, not every second. */
const COUNT_EVERY = 5;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Works the webhook outbox on every instance: what is due is claimed by one atomic UPDATE (one
 * instance wins each delivery, and holds it for a lease longer than an attempt can take, so a
 * delivery whose instance died is taken over once the lease has passed), signed with every secret
 * that signs now, and posted. A 2xx is delivery; anything else is retried with exponential back-off
 * and jitter until the retry window (3 days) has passed, then the delivery is marked failed.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('AuthWebhooks');
  private timer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private working?: Promise<void>;
  private rounds = 0;
  private readonly leaseMs: number;

  constructor(
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    private readonly webhooks: WebhooksService,
    @Inject(WEBHOOK_OPTIONS) private readonly options: ResolvedWebhookOptions,
    @Optional() private readonly telemetry?: AuthTelemetry,
  ) {
    this.leaseMs = options.timeoutMs + 5_000;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.kick(), WORK_INTERVAL_MS);
    this.timer.unref();
    this.pruneTimer = setInterval(
      () =>
        void this.webhooks
          .prune()
          .catch((error: unknown) => this.logger.warn(`Webhook deliveries pruning failed: ${String(error)}`)),
      PRUNE_INTERVAL_MS,
    );
    this.pruneTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.pruneTimer);
    await this.working;
  }

  /** One round now, unless one is running. */
  kick(): Promise<void> {
    if (!this.working) this.working = this.work().finally(() => (this.working = undefined));
    return this.working;
  }

  private async work(): Promise<void> {
    try {
      const now = new Date();
      const due = await this.due(now).getMany();
      await Promise.all(
        due.map(async (delivery) => {
          if (await this.claim(delivery.id)) await this.attempt(delivery);
        }),
      );
      if (this.telemetry && this.rounds++ % COUNT_EVERY === 0)
        this.telemetry.webhookBacklog(await this.webhooks.waiting());
    } catch (error) {
      this.logger.warn(`Webhook outbox unavailable, will retry: ${String(error)}`);
    }
  }

  private due(now: Date) {
    return this.deliveries
      .createQueryBuilder('d')
      .where('d.nextAttemptAt <= :now', { now })
      .andWhere('d.deliveredAt IS NULL AND d.failedAt IS NULL')
      .andWhere(new Brackets((where) => where.where('d.lockedUntil IS NULL').orWhere('d.lockedUntil < :now', { now })))
      .orderBy('d.nextAttemptAt', 'ASC')
      .limit(BATCH);
  }

  /** One conditional UPDATE: of instances racing for a delivery, exactly one sees it change. */
  private async claim(id: string): Promise<boolean> {
    const now = new Date();
    const { affected } = await this.deliveries
      .createQueryBuilder()
      .update(WebhookDelivery)
      .set({ lockedUntil: new Date(now.getTime() + this.leaseMs) })
      .where('id = :id', { id })
      .andWhere('delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= :now', { now })
      .andWhere(new Brackets((where) => where.where('locked_until IS NULL').orWhere('locked_until < :now', { now })))
      .execute();
    return affected === 1;
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const secrets = await this.webhooks.signingSecrets(delivery.endpointId);
    if (!secrets) return; // The endpoint was deleted meanwhile; its deliveries went with it.
    const endpoint = await this.webhooks.get(delivery.endpointId);
    if (!endpoint) return;
    if (endpoint.disabled) {
      await this.deliveries.update(
        { id: delivery.id },
        { nextAttemptAt: new Date(Date.now() + PAUSED_RECHECK_MS), lockedUntil: null },
      );
      return;
    }
    const sentAt = new Date();
    // The event's id is the webhook-id of every attempt: a receiver that saw it once drops the repeats.
    const signature = secrets.map((secret) => new Webhook(secret).sign(delivery.eventId, sentAt, delivery.payload));
    const headers = {
      'webhook-id': delivery.eventId,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': signature.join(' '),
    };
    const result = await postDelivery(endpoint.url, headers, delivery.payload, this.options, this.options.timeoutMs);
    const attempts = delivery.attempts + 1;
    if (result.ok) {
      await this.deliveries.update(
        { id: delivery.id },
        {
          attempts,
          lastStatus: result.status,
          lastError: null,
          deliveredAt: new Date(),
          nextAttemptAt: null,
          lockedUntil: null,
        },
      );
      this.telemetry?.webhookDelivery('delivered');
      return;
    }
    const wait = Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), LONGEST_WAIT_MS) * (0.8 + Math.random() * 0.4);
    const next = new Date(Date.now() + wait);
    const failed = next.getTime() > delivery.retryUntil.getTime();
    await this.deliveries.update(
      { id: delivery.id },
      {
        attempts,
        lastStatus: result.status,
        lastError: result.error,
        nextAttemptAt: failed ? null : next,
        failedAt: failed ? new Date() : null,
        lockedUntil: null,
      },
    );
    this.telemetry?.webhookDelivery(failed ? 'failed' : 'retry');
    // The endpoint's id and the outcome only: neither the URL's query nor anything of the body is logged.
    const message = `Webhook delivery ${delivery.id} to endpoint ${delivery.endpointId}: attempt ${attempts} ${
      result.error
    }${result.status === null ? '' : ` ${result.status}`}`;
    if (failed) this.logger.error(`${message}; gave up`);
    else this.logger.warn(`${message}; next in ${Math.round(wait / 1000)} s`);
  }
}
