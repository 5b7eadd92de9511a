import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { AUTH_OPTIONS, ResolvedAuthOptions } from '../auth.options';
import { AuthRedis, REDIS_CLIENT } from './redis.provider';

export type RevocationEvent =
  /** A refresh-token family ended: its refresh tokens and access tokens stop working. */
  | { type: 'family'; id: string }
  /** Every credential of the user issued before `at` (epoch ms) stops working: logout-all, password change, disable. */
  | { type: 'user'; id: string; at: number }
  /** The user was disabled (`disabled: true`) or enabled again. */
  | { type: 'userStatus'; id: string; disabled: boolean }
  /** An API key was revoked, expired early, or its rotation grace ended. */
  | { type: 'apiKey'; id: string }
  /** A session ended; `id` is the SHA-256 of its ID, never the ID. */
  | { type: 'session'; id: string };

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
  private subscriber?: RedisClientType;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: AuthRedis,
    @Inject(AUTH_OPTIONS) options: ResolvedAuthOptions,
  ) {
    this.channel = `${options.redisKeyPrefix}revocations`;
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
