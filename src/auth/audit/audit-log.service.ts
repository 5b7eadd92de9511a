import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { LessThan, Repository } from 'typeorm';
import { AUDIT_OPTIONS, ResolvedAuditOptions } from './audit.options';
import { AuthEvent, AuthEventType } from './auth-event.entity';

export interface AuditEntry {
  type: AuthEventType;
  userId?: string | null;
  actorId?: string | null;
  /** The mechanism or way of signing in the event concerns. */
  mechanism?: string;
  request?: Request;
  detail?: Record<string, string | number | boolean>;
}

export interface AuditQuery {
  userId?: string;
  type?: AuthEventType;
  limit: number;
}

const FLUSH_INTERVAL_MS = 1000;
const FLUSH_BATCH = 200;
/** Past this many unwritten events (the database is down), the oldest are dropped rather than exhaust memory. */
const MAX_BUFFERED = 10_000;
const PRUNE_INTERVAL_MS = 6 * 60 * 60 * 1000;

/**
 * The audit trail. `record()` only queues: events are written in batches off the request path,
 * at least once a second and at shutdown, and pruned after the configured retention.
 */
@Injectable()
export class AuditLog implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AuditLog.name);
  private buffer: AuthEvent[] = [];
  private flushTimer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly listeners: Array<{ types: ReadonlySet<AuthEventType>; listener: (entry: AuditEntry) => void }> = [];

  constructor(
    @InjectRepository(AuthEvent) private readonly events: Repository<AuthEvent>,
    @Inject(AUDIT_OPTIONS) private readonly options: ResolvedAuditOptions,
  ) {}

  onModuleInit(): void {
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.pruneTimer);
    await this.flush();
  }

  /** `listener` hears every event of these types as it is recorded (the email feature's notices). */
  onRecorded(types: readonly AuthEventType[], listener: (entry: AuditEntry) => void): void {
    this.listeners.push({ types: new Set(types), listener });
  }

  record(entry: AuditEntry): void {
    this.buffer.push(
      this.events.create({
        id: randomUUID(),
        type: entry.type,
        userId: entry.userId ?? null,
        actorId: entry.actorId ?? null,
        mechanism: entry.mechanism ?? null,
        ip: entry.request?.ip?.slice(0, 64) ?? null,
        userAgent: entry.request?.header('user-agent')?.slice(0, 512) ?? null,
        detail: entry.detail ?? null,
        createdAt: new Date(),
      }),
    );
    if (this.buffer.length > MAX_BUFFERED) this.buffer.splice(0, this.buffer.length - MAX_BUFFERED);
    if (this.buffer.length >= FLUSH_BATCH) void this.flush();
    for (const { types, listener } of this.listeners) {
      if (!types.has(entry.type)) continue;
      try {
        listener(entry);
      } catch (error) {
        // What a listener does on the side must not fail the change it hears of.
        this.logger.warn(`An audit listener failed on ${entry.type}: ${String(error)}`);
      }
    }
  }

  /** Writes what is queued; concurrent calls wait for one another so no event is written twice. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      while (this.buffer.length) {
        const batch = this.buffer.slice(0, FLUSH_BATCH);
        try {
          await this.events.insert(batch);
          this.buffer.splice(0, batch.length);
        } catch (error) {
          this.logger.warn(`Could not write ${batch.length} audit events, will retry: ${String(error)}`);
          return;
        }
      }
    });
    return this.flushing;
  }

  async query(query: AuditQuery): Promise<AuthEvent[]> {
    await this.flush();
    return this.events.find({
      where: { ...(query.userId ? { userId: query.userId } : {}), ...(query.type ? { type: query.type } : {}) },
      order: { createdAt: 'DESC' },
      take: query.limit,
    });
  }

  async prune(now = Date.now()): Promise<void> {
    const cutoff = new Date(now - this.options.retentionDays * 24 * 60 * 60 * 1000);
    try {
      await this.events.delete({ createdAt: LessThan(cutoff) });
    } catch (error) {
      this.logger.warn(`Audit pruning failed: ${String(error)}`);
    }
  }
}
