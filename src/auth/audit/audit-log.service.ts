import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Brackets, EntityManager, LessThan, Repository } from 'typeorm';
import { AuthTelemetry } from '../core/auth-telemetry';
import { RevocationBus } from '../core/revocation-bus';
import { authDatabaseOf, USER_ID_LENGTH } from '../core/database';
import { AUDIT_OPTIONS, ResolvedAuditOptions } from './audit.options';
import { AUTH_EVENT_TYPES, AuthEvent, AuthEventType } from './auth-event.entity';
import { decodePageCursor, encodePageCursor } from '../core/page-cursor';

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
  from?: Date;
  to?: Date;
  /** From a previous page's `nextCursor`. */
  cursor?: string;
  limit: number;
}

export interface AuditPage {
  items: AuthEvent[];
  nextCursor: string | null;
}

/** A change's transaction: what it writes through `manager` and the events it records commit together. */
export interface AuditTransaction {
  readonly manager: EntityManager;
  /** Stored in this transaction, with what the `onStored` hooks write for it, just before it commits. */
  record(entry: AuditEntry): void;
  /** Runs once the transaction has committed (announcements to other instances). */
  afterCommit(work: () => Promise<void> | void): void;
}

/** Writes what goes with a stored event (a notice, a webhook delivery) in the event's transaction; a throw rolls the change back. */
export type AuditHook = (event: AuthEvent, manager: EntityManager) => Promise<void>;

/** Refusals, not changes: buffered and written in batches, since a storm of them must not cost a write each. */
const BUFFERED: ReadonlySet<AuthEventType> = new Set<AuthEventType>([
  'login.failed',
  'password.check_failed',
  'lockout',
  'mfa.failed',
  'mfa.challenged',
]);
/** Whether events of `type` are buffered refusals, which `onStored` hooks never see. */
export function isBufferedEventType(type: string): boolean {
  return BUFFERED.has(type as AuthEventType);
}
const KNOWN_TYPES: ReadonlySet<string> = new Set(AUTH_EVENT_TYPES);
/** The columns' lengths: a longer value is stored cut, never refused. */
const LIMITS = {
  type: 40,
  userId: USER_ID_LENGTH,
  actorId: USER_ID_LENGTH,
  mechanism: 16,
  ip: 64,
  userAgent: 512,
} as const;
const DETAIL_MAX_CHARS = 4000;

const FLUSH_INTERVAL_MS = 1000;
const FLUSH_BATCH = 200;
/** Past this many unwritten events (the database is down), the oldest are dropped rather than exhaust memory. */
const MAX_BUFFERED = 10_000;
const PRUNE_INTERVAL_MS = 6 * 60 * 60 * 1000;
const EXPORT_CHUNK = 500;

/**
 * The audit trail, as the outbox of every change. A change records its events in its own
 * transaction (`transaction()`), so once it has answered they are stored, with what the hooks
 * write beside them (notices). Refusals are buffered and written within a second. An event that
 * does not fit its columns is stored cut and marked, never retried forever; events the database
 * cannot take wait in memory (`status()` says behind) and the oldest are dropped past 10,000.
 */
@Injectable()
export class AuditLog implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AuditLog.name);
  private buffer: AuthEvent[] = [];
  private dropped = 0;
  private flushTimer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly hooks: Array<{ types: ReadonlySet<AuthEventType> | null; hook: AuditHook }> = [];
  /** SQLite has one connection: transactions there run one at a time, or one's COMMIT would be another's SAVEPOINT release. */
  private serial: Promise<unknown> = Promise.resolve();
  private readonly sqlite: boolean;

  constructor(
    @InjectRepository(AuthEvent) private readonly events: Repository<AuthEvent>,
    @Inject(AUDIT_OPTIONS) private readonly options: ResolvedAuditOptions,
    @Optional() private readonly telemetry?: AuthTelemetry,
    @Optional() bus?: RevocationBus,
  ) {
    this.sqlite = authDatabaseOf(events.manager.connection.options.type) === 'sqlite';
    bus?.subscribe((event) => {
      if (event.type === 'userDeleted') void this.forgetWaiting(event.id);
    });
  }

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

  /** `hook` runs in the transaction of every stored event of these types (every type for `'*'`). */
  onStored(types: readonly AuthEventType[] | '*', hook: AuditHook): void {
    this.hooks.push({ types: types === '*' ? null : new Set(types), hook });
  }

  /**
   * Stores an event that is its own change (a login, a logout) before the caller answers, in one
   * transaction with what its hooks write; refusals are buffered. Never throws: an event the
   * database does not take now waits in memory.
   */
  async record(entry: AuditEntry): Promise<void> {
    const event = toEvent(entry);
    if (BUFFERED.has(entry.type)) return this.buffered(event);
    try {
      if (this.hooksOf(event).length) await this.transaction((tx) => tx.record(entry));
      else await this.events.insert(event);
    } catch (error) {
      this.logger.warn(`Could not store a ${event.type} event now, it waits: ${String(error)}`);
      this.buffered(event);
    }
  }

  /** Runs `work` in one transaction with the events it records and what their hooks write; `afterCommit` work runs once it has committed. */
  async transaction<T>(work: (tx: AuditTransaction) => Promise<T> | T): Promise<T> {
    const after: Array<() => Promise<void> | void> = [];
    const run = () =>
      this.events.manager.transaction(async (manager) => {
        const recorded: AuthEvent[] = [];
        const result = await work({
          manager,
          record: (entry) => void recorded.push(toEvent(entry)),
          afterCommit: (fn) => void after.push(fn),
        });
        if (recorded.length) await manager.insert(AuthEvent, recorded);
        for (const event of recorded) for (const hook of this.hooksOf(event)) await hook(event, manager);
        return result;
      });
    let result: T;
    if (this.sqlite) {
      const turn = this.serial.then(run, run);
      this.serial = turn.catch(() => undefined);
      result = await turn;
    } else result = await run();
    for (const fn of after) await fn();
    return result;
  }

  /**
   * Every event of the user (as subject), oldest first, for the user's own export. Bounded by the
   * retention period like the whole trail.
   */
  async eventsOf(userId: string): Promise<AuthEvent[]> {
    await this.flush();
    return this.filtered({ userId }).orderBy('e.createdAt', 'ASC').addOrderBy('e.id', 'ASC').getMany();
  }

  /**
   * What the trail keeps of a deleted user, in the deletion's transaction: their events stay, under
   * their id, which no longer names anyone, but their address leaves every event that holds it (a
   * failed login, a lockout, a reason an admin typed), and their name leaves their own events. Call
   * `settled()` before the transaction, so refusals buffered on any instance that name the address are
   * stored to be cleaned.
   */
  async forget(user: { id: string; email: string; name: string | null }, manager: EntityManager): Promise<void> {
    const name = user.name?.trim() ?? '';
    const rows = await manager
      .getRepository(AuthEvent)
      .createQueryBuilder('e')
      .where('e.userId = :id OR e.actorId = :id', { id: user.id })
      .orWhere("LOWER(e.detail) LIKE :address ESCAPE '\\'", { address: `%${escapeLike(user.email.toLowerCase())}%` })
      .getMany();
    for (const row of rows) {
      if (!row.detail) continue;
      const own = row.userId === user.id || row.actorId === user.id;
      const detail = scrubbed(row.detail, own && name.length >= 3 ? [user.email, name] : [user.email]);
      if (detail) await manager.update(AuthEvent, { id: row.id }, { detail });
    }
  }

  /**
   * Resolves once every refusal buffered before the call, on any instance, is stored (each instance
   * writes its buffer every second while the database takes it): for a change that rewrites stored events.
   */
  async settled(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, FLUSH_INTERVAL_MS + 500));
    await this.flush();
  }

  /**
   * On every instance, once a user is deleted: the refusals of theirs this instance buffered (a failed
   * login names the typed address) lose it, and so do those it wrote since the deleting instance
   * cleaned the trail. Serialized with the flushes, so no event slips between the two.
   */
  private forgetWaiting(userId: string): Promise<void> {
    const clean = (event: AuthEvent): Record<string, string | number | boolean> | null =>
      event.userId === userId && typeof event.detail?.email === 'string' ? { ...event.detail, email: REMOVED } : null;
    this.flushing = this.flushing.then(async () => {
      for (const event of this.buffer) event.detail = clean(event) ?? event.detail;
      try {
        const stored = await this.events
          .createQueryBuilder('e')
          .where('e.userId = :userId', { userId })
          .andWhere('e.detail LIKE :email', { email: '%"email"%' })
          .getMany();
        for (const event of stored) {
          const detail = clean(event);
          if (detail) await this.events.update({ id: event.id }, { detail });
        }
      } catch (error) {
        this.logger.warn(`Could not clean the audit events of a deleted user: ${String(error)}`);
      }
    });
    return this.flushing;
  }

  /** Events waiting for the database, and how many were dropped since the start. */
  status(): { state: 'current' | 'behind'; waiting: number; dropped: number } {
    return { state: this.buffer.length ? 'behind' : 'current', waiting: this.buffer.length, dropped: this.dropped };
  }

  /** Writes what is buffered; concurrent calls wait for one another so no event is written twice. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      while (this.buffer.length) {
        const batch = this.buffer.slice(0, FLUSH_BATCH);
        try {
          await this.events.insert(batch);
        } catch (error) {
          if (!(await this.insertOneByOne(batch, error))) return this.report();
        }
        this.buffer.splice(0, batch.length);
      }
      this.report();
    });
    return this.flushing;
  }

  /** Newest first, `limit` at a time; 400 is the caller's to answer for a cursor this did not make (null). */
  async query(query: AuditQuery): Promise<AuditPage | null> {
    await this.flush();
    const after = query.cursor === undefined ? undefined : decodePageCursor(query.cursor);
    if (after === null) return null;
    const builder = this.filtered(query)
      .orderBy('e.createdAt', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(query.limit + 1);
    if (after)
      builder.andWhere(
        new Brackets((where) =>
          where.where('e.createdAt < :at', { at: after.at }).orWhere('e.createdAt = :at AND e.id < :id', after),
        ),
      );
    const rows = await builder.getMany();
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? encodePageCursor(last.createdAt, last.id) : null };
  }

  /** The events of a range, oldest first, one NDJSON line each, read in chunks by key so the range is never held whole. */
  export(query: Omit<AuditQuery, 'limit' | 'cursor'>): Readable {
    const chunks = async function* (this: AuditLog) {
      let after: { at: Date; id: string } | undefined;
      for (;;) {
        const builder = this.filtered(query)
          .orderBy('e.createdAt', 'ASC')
          .addOrderBy('e.id', 'ASC')
          .limit(EXPORT_CHUNK);
        if (after) {
          const last = after;
          builder.andWhere(
            new Brackets((where) =>
              where.where('e.createdAt > :at', { at: last.at }).orWhere('e.createdAt = :at AND e.id > :id', last),
            ),
          );
        }
        const rows = await builder.getMany();
        if (rows.length) yield rows.map((row) => JSON.stringify(row) + '\n').join('');
        if (rows.length < EXPORT_CHUNK) return;
        const last = rows[rows.length - 1];
        after = { at: last.createdAt, id: last.id };
      }
    };
    return Readable.from(chunks.call(this));
  }

  async prune(now = Date.now()): Promise<void> {
    const cutoff = new Date(now - this.options.retentionDays * 24 * 60 * 60 * 1000);
    try {
      await this.events.delete({ createdAt: LessThan(cutoff) });
    } catch (error) {
      this.logger.warn(`Audit pruning failed: ${String(error)}`);
    }
  }

  private filtered(query: Omit<AuditQuery, 'limit' | 'cursor'>) {
    const builder = this.events.createQueryBuilder('e');
    if (query.userId) builder.andWhere('e.userId = :userId', { userId: query.userId });
    if (query.type) builder.andWhere('e.type = :type', { type: query.type });
    if (query.from) builder.andWhere('e.createdAt >= :from', { from: query.from });
    if (query.to) builder.andWhere('e.createdAt < :to', { to: query.to });
    return builder;
  }

  private hooksOf(event: AuthEvent): AuditHook[] {
    return this.hooks.filter(({ types }) => !types || types.has(event.type)).map(({ hook }) => hook);
  }

  private buffered(event: AuthEvent): void {
    this.buffer.push(event);
    if (this.buffer.length > MAX_BUFFERED) {
      const lost = this.buffer.length - MAX_BUFFERED;
      this.buffer.splice(0, lost);
      this.dropped += lost;
      this.logger.error(`Dropped ${lost} audit events: ${MAX_BUFFERED} wait for the database already`);
    }
    if (this.buffer.length >= FLUSH_BATCH) void this.flush();
    this.report();
  }

  /**
   * After a batch failed: each row alone, and a row that fails alone is stored as a marker of what
   * it was, so one bad event never holds up the ones after it. False when the database takes
   * nothing (it is down): the batch waits.
   */
  private async insertOneByOne(batch: AuthEvent[], batchError: unknown): Promise<boolean> {
    let stored = 0;
    for (const event of batch) {
      try {
        await this.events.insert(event);
        stored++;
      } catch (error) {
        try {
          await this.events.insert(marker(event, error));
          stored++;
          this.logger.error(`Stored a ${event.type} audit event as a marker: ${String(error)}`);
        } catch {
          if (!stored) {
            this.logger.warn(`Could not write ${batch.length} audit events, will retry: ${String(batchError)}`);
            return false;
          }
          throw error;
        }
      }
    }
    return true;
  }

  private report(): void {
    this.telemetry?.auditBacklog(this.buffer.length, this.dropped);
  }
}

/** The row for an entry, cut to its columns; an unknown type is kept and marked. */
function toEvent(entry: AuditEntry): AuthEvent {
  const detail: Record<string, string | number | boolean> = { ...(entry.detail ?? {}) };
  const cut: string[] = [];
  const fit = (field: keyof typeof LIMITS, value: string | null | undefined): string | null => {
    if (value === null || value === undefined) return null;
    const clean = value.replace(/\0/g, '');
    if (clean.length <= LIMITS[field]) return clean;
    cut.push(field);
    return clean.slice(0, LIMITS[field]);
  };
  if (!KNOWN_TYPES.has(entry.type)) detail.error = 'unknown type';
  const event: AuthEvent = {
    id: randomUUID(),
    type: fit('type', entry.type) as AuthEventType,
    userId: fit('userId', entry.userId),
    actorId: fit('actorId', entry.actorId),
    mechanism: fit('mechanism', entry.mechanism),
    ip: fit('ip', entry.request?.ip),
    userAgent: fit('userAgent', entry.request?.header('user-agent')),
    detail: null,
    createdAt: new Date(),
  };
  if (cut.length) detail.truncated = cut.filter((field) => field !== 'userAgent').join(',') || 'userAgent';
  event.detail = Object.keys(detail).length ? fitDetail(detail) : null;
  return event;
}

function fitDetail(detail: Record<string, string | number | boolean>): Record<string, string | number | boolean> {
  const clean = JSON.parse(JSON.stringify(detail).replace(/\\u0000/g, '')) as Record<string, string | number | boolean>;
  return JSON.stringify(clean).length <= DETAIL_MAX_CHARS ? clean : { error: 'detail too long', truncated: 'detail' };
}

/** What is left of an event the database refused even cut to its columns. */
function marker(event: AuthEvent, error: unknown): AuthEvent {
  return {
    ...event,
    mechanism: null,
    ip: null,
    userAgent: null,
    detail: {
      error: `not stored: ${String(error)
        .slice(0, 200)
        .replace(/[^\x20-\x7e]/g, '?')}`,
    },
  };
}

const REMOVED = '(removed)';

/** The detail with every occurrence of the words (case-insensitive) replaced; null when nothing changed. */
function scrubbed(
  detail: Record<string, string | number | boolean>,
  words: string[],
): Record<string, string | number | boolean> | null {
  const patterns = words.map((word) => new RegExp(word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'));
  let changed = false;
  const clean: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(detail)) {
    const next =
      typeof value === 'string' ? patterns.reduce((text, pattern) => text.replace(pattern, REMOVED), value) : value;
    changed ||= next !== value;
    clean[key] = next;
  }
  return changed ? clean : null;
}

/** `text` matched literally by LIKE … ESCAPE '\'. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
