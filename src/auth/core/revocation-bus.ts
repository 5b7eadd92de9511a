import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AUTH_REDIS, AuthRedis } from './redis.provider';
import { REDIS_OPTIONS, ResolvedRedisOptions } from './redis.options';

/**
 * What the bus carries, by type. Core's own are here; each mechanism adds the ones it announces by
 * declaration merging (a session's end, a refresh-token family, an API key).
 */
export interface RevocationEvents {
  /** Every credential of the user issued before `at` (epoch ms) stops working: logout-all, password change, disable. */
  user: { id: string; at: number };
  /** The user was disabled (`disabled: true`) or enabled again. */
  userStatus: { id: string; disabled: boolean };
}

export type RevocationEvent = { [Type in keyof RevocationEvents]: { type: Type } & RevocationEvents[Type] }[keyof RevocationEvents];

type Handler = (event: RevocationEvent) => void;

/**
 * Tells every instance at once that a credential is revoked, so per-instance caches drop it:
 * delivered in-process at once, and over Redis pub/sub to the other instances when Redis is configured.
 */
@Injectable()
export class RevocationBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationBus.name);
  private readonly handlers: Handler[] = [];
  private readonly instanceId = randomUUID();
  private readonly channel: string;
  private subscriber?: AuthRedis;

  constructor(
    @Inject(AUTH_REDIS) private readonly redis: AuthRedis | null,
    @Inject(REDIS_OPTIONS) options: ResolvedRedisOptions,
  ) {
    this.channel = `${options.keyPrefix}revocations`;
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis) return;
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('error', (error: Error) => this.logger.warn(`Redis subscriber: ${error.message}`));
    await this.subscriber.connect();
    await this.subscriber.subscribe(this.channel, (message) => this.receive(message));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscriber?.isOpen) await this.subscriber.close();
  }

  subscribe(handler: Handler): void {
    this.handlers.push(handler);
  }

  async publish(event: RevocationEvent): Promise<void> {
    this.deliver(event);
    if (this.redis) await this.redis.publish(this.channel, JSON.stringify({ from: this.instanceId, event }));
  }

  private receive(message: string): void {
    try {
      const { from, event } = JSON.parse(message) as { from: string; event: RevocationEvent };
      if (from !== this.instanceId) this.deliver(event);
    } catch {
      this.logger.warn('Ignored a malformed revocation message');
    }
  }

  private deliver(event: RevocationEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (error) {
        this.logger.error(`Revocation handler failed: ${String(error)}`);
      }
    }
  }
}
