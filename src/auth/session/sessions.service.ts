import { Injectable, Logger, NotFoundException, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { In, LessThan, MoreThan, Not, Repository } from 'typeorm';
import { sha256Hex } from '../core/secrets';
import { User } from '../users/user.entity';
import { SessionAuth, SessionTimeouts } from './session-data';
import { HashedSessionStore } from './hashed-session.store';
import { UserSession } from './user-session.entity';

export const SESSION_ACTIVITY_INTERVAL_MS = 60_000;
const PRUNE_INTERVAL_MS = 10 * 60_000;

export interface SessionView {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** Starts, lists and ends a user's sessions; the store holds their data, `auth_sessions` their list. */
@Injectable()
export class SessionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SessionsService.name);
  private store: HashedSessionStore;
  private timeouts: SessionTimeouts;
  private pruneTimer?: NodeJS.Timeout;
  private pruneStore?: () => Promise<void>;

  constructor(@InjectRepository(UserSession) private readonly sessions: Repository<UserSession>) {}

  /** Called once by the module that builds the store. */
  attachStore(store: HashedSessionStore, timeouts: SessionTimeouts, pruneStore?: () => Promise<void>): void {
    this.store = store;
    this.timeouts = timeouts;
    this.pruneStore = pruneStore;
  }

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
  }

  /** Logs the user in on a fresh session ID: whatever ID the request came with is discarded (no fixation). */
  async start(request: Request, user: User): Promise<SessionAuth> {
    await new Promise<void>((resolve, reject) => request.session.regenerate((err) => (err ? reject(err) : resolve())));
    const now = new Date();
    const auth: SessionAuth = {
      userId: user.id,
      email: user.email,
      roles: user.roles,
      publicId: randomUUID(),
      createdAt: now.getTime(),
    };
    request.session.auth = auth;
    await new Promise<void>((resolve, reject) => request.session.save((err) => (err ? reject(err) : resolve())));
    await this.sessions.insert({
      id: auth.publicId,
      sidHash: sha256Hex(request.sessionID),
      userId: user.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: this.expiryAt(auth, now.getTime()),
      ip: request.ip?.slice(0, 64) ?? null,
      userAgent: request.header('user-agent')?.slice(0, 512) ?? null,
    });
    return auth;
  }

  async end(request: Request): Promise<void> {
    const publicId = request.session?.auth?.publicId;
    await new Promise<void>((resolve, reject) => request.session.destroy((err) => (err ? reject(err) : resolve())));
    if (publicId) await this.sessions.delete({ id: publicId });
  }

  async list(userId: string, currentId?: string): Promise<SessionView[]> {
    const rows = await this.sessions.find({
      where: { userId, expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
    });
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.createdAt,
      lastSeenAt: row.lastSeenAt,
      expiresAt: row.expiresAt,
      ip: row.ip,
      userAgent: row.userAgent,
      current: row.id === currentId,
    }));
  }

  async revoke(userId: string, id: string): Promise<void> {
    const ended = await this.endWhere({ userId, id });
    if (!ended) throw new NotFoundException('Session not found');
  }

  /** Ends every session of the user except `keepId` (the caller's own, when it is a session). */
  async revokeAll(userId: string, keepId?: string): Promise<number> {
    return this.endWhere(keepId ? { userId, id: Not(keepId) } : { userId });
  }

  private async endWhere(where: Record<string, unknown>): Promise<number> {
    const rows = await this.sessions.find({ where, select: { id: true, sidHash: true } });
    await Promise.all(
      rows.map(
        (row) => new Promise<void>((resolve, reject) => this.store.destroyByHash(row.sidHash, (err) => (err ? reject(err) : resolve()))),
      ),
    );
    if (rows.length) await this.sessions.delete({ id: In(rows.map((row) => row.id)) });
    return rows.length;
  }

  /** Write-behind of `lastSeenAt`, at most once per touch interval per session (the store throttles the calls). */
  recordActivity(sidHash: string, auth: SessionAuth | undefined): void {
    if (!auth) return;
    const now = Date.now();
    this.sessions
      .update({ id: auth.publicId }, { lastSeenAt: new Date(now), expiresAt: this.expiryAt(auth, now) })
      .catch((error: unknown) => this.logger.warn(`Could not record session activity: ${String(error)}`));
  }

  isPastAbsoluteTimeout(auth: SessionAuth, now = Date.now()): boolean {
    return now >= auth.createdAt + this.timeouts.absoluteSeconds * 1000;
  }

  async prune(): Promise<void> {
    try {
      await this.sessions.delete({ expiresAt: LessThan(new Date()) });
      await this.pruneStore?.();
    } catch (error) {
      this.logger.warn(`Session pruning failed: ${String(error)}`);
    }
  }

  private expiryAt(auth: SessionAuth, now: number): Date {
    const idleEnd = now + this.timeouts.idleSeconds * 1000;
    const absoluteEnd = auth.createdAt + this.timeouts.absoluteSeconds * 1000;
    return new Date(Math.min(idleEnd, absoluteEnd));
  }
}
