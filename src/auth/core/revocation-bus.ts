import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, LessThan, MoreThanOrEqual, Repository } from 'typeorm';
import { AUTH_REDIS, AuthRedis } from './redis.provider';
import { REDIS_OPTIONS, ResolvedRedisOptions } from './redis.options';
import { RevocationRecord } from './revocation-record.entity';

/**
 * What the bus carries, by type. Core's own are here; each mechanism adds the ones it announces by
 * declaration merging (a session's end, a refresh-token family, an API key).
 */
export interface RevocationEvents {
  /** Every credential of the user issued before `at` (epoch ms) stops working: logout-all, password change, disable. */
  user: { id: string; at: number };
  /** The user was disabled (`disabled: true`) or enabled again. */
  userStatus: { id: string; disabled: boolean };
  /** The user's roles changed: caches holding a copy of the user drop it. */
  userRoles: { id: string };
  /** The user was deleted: audit events of theirs still waiting in an instance's memory lose the address they hold. */
  userDeleted: { id: string };
}

export type RevocationEvent = {
  [Type in keyof RevocationEvents]: { type: Type } & RevocationEvents[Type];
}[keyof RevocationEvents];

type Handler = (event: RevocationEvent) => void;

interface ReadWaiter {
  since: number;
  resolve: (read: boolean) => void;
}

/** How often each instance reads the revocation log. */
const POLL_INTERVAL_MS = 250;
/**
 * A per-instance cache serves an entry only while the instance has read the log this recently: an
 * instance that cannot read it (its database or its bus cut off) stops serving from memory within
 * this long, so a revocation it may have missed is never honoured for more than a second.
 */
export const CURRENT_WITHIN_MS = 1000;
/** Each read goes this far back again, for commits that landed late and clocks a little apart. */
const POLL_OVERLAP_MS = 2000;
const MIN_LOG_RETENTION_MS = 60 * 60_000;
const PRUNE_INTERVAL_MS = 10 * 60_000;
const HEARTBEAT_INTERVAL_MS = 1000;
/** Without its own heartbeat back for this long, the instance's subscription is reported down. */
const HEARTBEAT_SILENCE_MS = 3000;
const PAGE = 5000;

export interface RevocationBusStatus {
  /** `current`: the revocation log was read within the last second; `behind`: caches are bypassed. */
  log: 'current' | 'behind';
  /** The Redis subscription, by whether the instance hears its own heartbeat. */
  subscriber: 'up' | 'down' | 'not configured';
}

/**
 * Tells every instance that a credential is revoked, so per-instance caches drop it. An event is
 * written to the revocation log in the database (unless it is only about a cache that expires within
 * a second anyway), delivered in this process at once, and published over Redis so other instances
 * hear it at once too. Every instance also reads the log four times a second, which brings whatever
 * the bus did not (a subscriber that was cut off, a publisher that could not reach Redis, another
 * process in embedded mode); and while it cannot read the log, `isCurrent()` is false and the caches
 * go to the store instead.
 */
@Injectable()
export class RevocationBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationBus.name);
  private readonly handlers: Handler[] = [];
  private readonly instanceId = randomUUID();
  private readonly channel: string;
  /** Ids of events applied recently, so one heard on the bus and read from the log is applied once. */
  private readonly applied = new Map<string, number>();
  private retentionMs = MIN_LOG_RETENTION_MS;
  private readonly timers: NodeJS.Timeout[] = [];
  private subscriber?: AuthRedis;
  private lastPublishWarningAt = 0;
  private syncedAt = 0;
  private readFrom = 0;
  private polling = false;
  private heardOwnHeartbeatAt = 0;
  private behind = false;
  /** Callers of `readSince`, oldest first. */
  private readWaiters: ReadWaiter[] = [];

  constructor(
    @Inject(AUTH_REDIS) private readonly redis: AuthRedis | null,
    @Inject(REDIS_OPTIONS) options: ResolvedRedisOptions,
    @InjectRepository(RevocationRecord) private readonly log: Repository<RevocationRecord>,
  ) {
    this.channel = `${options.keyPrefix}revocations`;
  }

  async onModuleInit(): Promise<void> {
    // What was revoked before this instance started is loaded by each feature at start; the log is read from now on.
    this.readFrom = Date.now() - POLL_OVERLAP_MS;
    await this.poll();
    this.every(POLL_INTERVAL_MS, () => {
      this.giveUpWaiting(Date.now() - CURRENT_WITHIN_MS);
      void this.poll();
    });
    this.every(PRUNE_INTERVAL_MS, () => void this.prune());
    if (!this.redis) return;
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('error', (error: Error) => this.logger.warn(`Revocation bus subscriber: ${error.message}`));
    await this.subscriber.connect();
    await this.subscriber.subscribe(this.channel, (message: string) => this.receive(message));
    this.every(
      HEARTBEAT_INTERVAL_MS,
      () =>
        void this.redis
          ?.publish(this.channel, JSON.stringify({ from: this.instanceId, heartbeat: true }))
          .catch(() => undefined),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.giveUpWaiting(Infinity);
    if (this.subscriber?.isOpen) await this.subscriber.close();
  }

  subscribe(handler: Handler): void {
    this.handlers.push(handler);
  }

  /** Whether per-instance caches may answer: the instance has read every revocation up to a second ago. */
  isCurrent(): boolean {
    return Date.now() - this.syncedAt < CURRENT_WITHIN_MS;
  }

  /**
   * Resolves true once a read of the log that started at `since` or later has completed, so that
   * whatever was announced durably before `since`, on any instance, has been applied here; false
   * when no such read completes within a second (the log cannot be read: the caller falls back).
   */
  readSince(since: number): Promise<boolean> {
    if (this.syncedAt >= since) return Promise.resolve(true);
    return new Promise((resolve) => this.readWaiters.push({ since, resolve }));
  }

  /**
   * Keeps the log for at least `ms` (never less than an hour): a subscriber whose credentials live that
   * long can then learn at start of every change whose own rows are gone since.
   */
  keepAtLeast(ms: number): void {
    this.retentionMs = Math.max(this.retentionMs, ms);
  }

  /**
   * What the log holds since `since` (within what `keepAtLeast` asked for): for an instance that starts
   * after a change whose own rows are gone, as a deleted user's revocation and refresh-token families are.
   */
  async recent(since: Date): Promise<RevocationEvent[]> {
    const rows = await this.log.find({ where: { createdAt: MoreThanOrEqual(since) }, order: { createdAt: 'ASC' } });
    return rows.map((row) => JSON.parse(row.body) as RevocationEvent);
  }

  status(): RevocationBusStatus {
    const now = Date.now();
    return {
      log: this.isCurrent() ? 'current' : 'behind',
      subscriber: !this.redis
        ? 'not configured'
        : now - this.heardOwnHeartbeatAt < HEARTBEAT_SILENCE_MS
          ? 'up'
          : 'down',
    };
  }

  /**
   * Announces a revocation: written to the log (throws if the database cannot take it: then nothing
   * was announced and the caller must fail), applied here, and published to the other instances.
   * `durable: false` for events about caches that expire within a second anyway (a session read).
   * With `manager`, the log row is written in the caller's transaction, so the event is announced
   * exactly when the change commits; the other instances may hear it a moment before the commit.
   */
  async publish(event: RevocationEvent, options: { durable?: boolean; manager?: EntityManager } = {}): Promise<void> {
    const id = randomUUID();
    const log = options.manager?.getRepository(RevocationRecord) ?? this.log;
    if (options.durable ?? true)
      await log.insert({ id, type: event.type, body: JSON.stringify(event), createdAt: new Date() });
    this.apply(id, event);
    const sent = this.send({ from: this.instanceId, id, event });
    // Not awaited inside a transaction: Redis must not hold it open, and the log carries the event anyway.
    if (!options.manager) await sent;
  }

  /** Reads the log since the last read (less the overlap), applies what is new, and records the time it started. */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const startedAt = Date.now();
    try {
      let from = new Date(this.readFrom);
      for (;;) {
        const rows = await this.log.find({
          where: { createdAt: MoreThanOrEqual(from) },
          order: { createdAt: 'ASC' },
          take: PAGE,
        });
        for (const row of rows) this.apply(row.id, JSON.parse(row.body) as RevocationEvent);
        if (rows.length < PAGE) break;
        from = rows[rows.length - 1].createdAt;
      }
      this.readFrom = startedAt - POLL_OVERLAP_MS;
      this.syncedAt = startedAt;
      this.answerWaiters(startedAt);
      if (this.behind) this.logger.log('Revocation log read again: per-instance caches answer again');
      this.behind = false;
    } catch (error) {
      if (!this.behind)
        this.logger.warn(
          `Cannot read the revocation log, per-instance caches are bypassed until it can be: ${String(error)}`,
        );
      this.behind = true;
    } finally {
      this.polling = false;
      this.forgetApplied(startedAt);
    }
  }

  private receive(message: string): void {
    try {
      const { from, id, event, heartbeat } = JSON.parse(message) as {
        from: string;
        id?: string;
        event?: RevocationEvent;
        heartbeat?: true;
      };
      if (heartbeat) {
        if (from === this.instanceId) this.heardOwnHeartbeatAt = Date.now();
      } else if (id && event && from !== this.instanceId) {
        this.apply(id, event);
      }
    } catch {
      this.logger.warn('Ignored a malformed revocation message');
    }
  }

  private apply(id: string, event: RevocationEvent): void {
    if (this.applied.has(id)) return;
    this.applied.set(id, Date.now());
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (error) {
        this.logger.error(`Revocation handler failed: ${String(error)}`);
      }
    }
  }

  /** Publishes on Redis; a failure only costs latency, since every instance reads the log too. */
  private async send(message: object): Promise<void> {
    if (!this.redis) return;
    try {
      await this.redis.publish(this.channel, JSON.stringify(message));
    } catch (error) {
      if (Date.now() - this.lastPublishWarningAt < 60_000) return;
      this.lastPublishWarningAt = Date.now();
      this.logger.warn(
        `Could not publish on the revocation bus (the log still carries what it must): ${String(error)}`,
      );
    }
  }

  /** Tells the callers of `readSince` whose time the read that started at `startedAt` covers. */
  private answerWaiters(startedAt: number): void {
    let covered = 0;
    while (covered < this.readWaiters.length && this.readWaiters[covered].since <= startedAt) covered++;
    if (!covered) return;
    const answered = this.readWaiters.splice(0, covered);
    for (const waiter of answered) waiter.resolve(true);
  }

  /** Answers false to the callers of `readSince` that have waited since before `before`. */
  private giveUpWaiting(before: number): void {
    let expired = 0;
    while (expired < this.readWaiters.length && this.readWaiters[expired].since < before) expired++;
    if (!expired) return;
    const answered = this.readWaiters.splice(0, expired);
    for (const waiter of answered) waiter.resolve(false);
  }

  private forgetApplied(now: number): void {
    for (const [id, at] of this.applied) {
      if (now - at <= POLL_OVERLAP_MS + 10_000) break;
      this.applied.delete(id);
    }
  }

  private async prune(): Promise<void> {
    try {
      await this.log.delete({ createdAt: LessThan(new Date(Date.now() - this.retentionMs)) });
    } catch (error) {
      this.logger.warn(`Revocation log pruning failed: ${String(error)}`);
    }
  }

  private every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
