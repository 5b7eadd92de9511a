import {
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnModuleDestroy,
  OnModuleInit,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { FindOperator, In, IsNull, LessThan, MoreThan, Not, Repository } from 'typeorm';
import { ActingEnded, ActingEndedHow, recordActingEnded } from '../audit/acting-ended';
import { AuditLog } from '../audit/audit-log.service';
import { SignInOutcomes } from '../audit/sign-in-outcomes';
import { AccountParts } from '../core/account-parts';
import { AuthenticationProof, proofNow } from '../core/authentication-proof';
import { IdentifiedUser } from '../core/identified-user';
import type { AuthUser } from '../core/user-store';
import { sha256Hex } from '../core/secrets';
import { CsrfService } from './csrf.service';
import { SessionAuth } from './session-data';
import { SessionHandlers } from './session-handlers';
import { UserSession } from './user-session.entity';
import { ResolvedSessionOptions, SESSION_OPTIONS } from './session.options';

const PRUNE_INTERVAL_MS = 10 * 60_000;
/** Sessions an admin made acting as a user end, recorded as `impersonation.ended`, within this long of their end. */
const ACTING_PRUNE_INTERVAL_MS = 60_000;

export interface SessionView {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
  /** The admin who made the session acting as the user (impersonation); null for the user's own. */
  actor: { id: string; email: string | null } | null;
}

export interface IssuedSession {
  auth: SessionAuth;
  csrfToken: string;
}

const callback = (run: (done: (err?: unknown) => void) => void) =>
  new Promise<void>((resolve, reject) => run((err) => (err ? reject(err) : resolve())));

/** Starts, lists and ends a user's sessions; the store holds their data, `auth_sessions` their list. */
@Injectable()
export class SessionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SessionsService.name);
  private pruneTimer?: NodeJS.Timeout;
  private actingPruneTimer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(UserSession) private readonly sessions: Repository<UserSession>,
    private readonly handlers: SessionHandlers,
    private readonly csrf: CsrfService,
    private readonly audit: AuditLog,
    private readonly signIns: SignInOutcomes,
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    parts: AccountParts,
  ) {
    parts.add({
      name: 'sessions',
      itemPath: 'sessions',
      view: (userId) => this.list(userId),
      remove: async (userId, manager) => void (await manager.delete(UserSession, { userId })),
      end: async (userId, id, by) => {
        if (!(await this.endWhere({ userId, id }))) return false;
        await this.audit.record({
          type: 'session.revoked',
          userId,
          actorId: by.actorId && by.actorId !== userId ? by.actorId : null,
          mechanism: 'session',
          request: by.request,
          detail: { sessionId: id },
        });
        return true;
      },
    });
  }

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    this.actingPruneTimer = setInterval(() => void this.pruneActing(), ACTING_PRUNE_INTERVAL_MS);
    this.actingPruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
    clearInterval(this.actingPruneTimer);
  }

  /**
   * The last step of every login that ends in a session: a fresh session ID (whatever ID the request
   * came with is discarded, and the session it named ends), the registry row, and the audit event.
   * Undone, with the login's 401, when a revocation of the user began while the login ran.
   */
  async issue(identified: IdentifiedUser, request: Request, response: Response): Promise<IssuedSession> {
    await this.handlers.ensureSession(request, response);
    const { user, actor } = identified;
    const previous = request.session.auth;
    // An admin starting to act as a user keeps their own session aside (by its hash) to come back to.
    const returnTo =
      actor && previous?.userId === actor.id && !previous.actor ? sha256Hex(request.sessionID) : undefined;
    if (returnTo) {
      request.sessionStore.generate(request);
    } else {
      await callback((done) => request.session.regenerate(done));
      if (previous) {
        const acting = previous.actor && {
          userId: previous.userId,
          actorId: previous.actor.id,
          how: 'ended' as const,
          request,
        };
        await this.deleteRow({ id: previous.publicId }, acting || undefined);
      }
    }
    const now = new Date();
    const auth: SessionAuth = {
      userId: user.id,
      email: user.email,
      roles: user.roles,
      publicId: randomUUID(),
      createdAt: now.getTime(),
      ...proofNow(identified.amr, now.getTime()),
      ...(actor ? { actor: { ...actor }, endsAt: identified.endsAt?.getTime(), returnTo } : {}),
    };
    // The row first: if the database cannot take it, the new session holds nothing and no cookie logs anyone in.
    await this.sessions.insert({
      id: auth.publicId,
      sidHash: sha256Hex(request.sessionID),
      userId: user.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: this.handlers.expiryAt(auth, now.getTime()),
      ip: request.ip?.slice(0, 64) ?? null,
      userAgent: request.header('user-agent')?.slice(0, 512) ?? null,
      actorId: actor?.id ?? null,
      actorEmail: actor?.email ?? null,
    });
    try {
      request.session.auth = auth;
      await callback((done) => request.session.save(done));
      await this.signIns.conclude(identified, 'session', request, () => this.end(request));
    } catch (error) {
      if (request.session) delete request.session.auth;
      await this.sessions.delete({ id: auth.publicId }).catch(() => undefined);
      throw error;
    }
    await this.endLeastRecentlyUsedPastCap(user.id, auth.publicId);
    return { auth, csrfToken: this.csrf.tokenFor(request.sessionID) };
  }

  /**
   * Moves the current session to a new ID, keeping what it holds: after a password change, a stolen
   * cookie of the old ID stops working. Answers the new CSRF token.
   */
  async renew(request: Request): Promise<string> {
    const auth = request.session.auth;
    await callback((done) => request.session.regenerate(done));
    if (auth) request.session.auth = auth;
    await callback((done) => request.session.save(done));
    if (auth) await this.sessions.update({ id: auth.publicId }, { sidHash: sha256Hex(request.sessionID) });
    return this.csrf.tokenFor(request.sessionID);
  }

  /** The session of the request holds a new proof of identity (a re-authentication), on every instance within a second. */
  async recordProof(request: Request, proof: AuthenticationProof): Promise<void> {
    const auth = request.session?.auth;
    if (!auth) throw new UnauthorizedException('Unauthorized');
    request.session.auth = { ...auth, authTime: proof.authTime, amr: proof.amr };
    await callback((done) => request.session.save(done));
  }

  /** Ends the session of the request; `how` names the end of an acting session (impersonation) for the audit trail. */
  async end(request: Request, how?: ActingEndedHow): Promise<void> {
    const auth = request.session?.auth;
    await callback((done) => request.session.destroy(done));
    if (!auth) return;
    const acting = auth.actor && how ? { userId: auth.userId, actorId: auth.actor.id, how, request } : undefined;
    await this.deleteRow({ id: auth.publicId }, acting);
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
      actor: row.actorId ? { id: row.actorId, email: row.actorEmail } : null,
    }));
  }

  /**
   * Ends the impersonation session of the request and gives the admin their own session back, under a
   * new ID (the cookie changes; the new CSRF token is answered), as it was: same id, same proof. 401
   * when the admin's session has ended meanwhile (the impersonation ends anyway).
   */
  async returnToActor(request: Request): Promise<string> {
    const auth = request.session?.auth;
    if (!auth?.actor) throw new UnauthorizedException('Unauthorized');
    const own = auth.returnTo ? await this.handlers.dataByHash(auth.returnTo) : null;
    const back = own?.auth;
    if (!back || back.userId !== auth.actor.id || back.actor || this.isPastAbsoluteTimeout(back)) {
      await this.end(request, 'ended');
      throw new UnauthorizedException('Unauthorized');
    }
    await callback((done) => request.session.regenerate(done));
    await this.deleteRow({ id: auth.publicId }, { userId: auth.userId, actorId: auth.actor.id, how: 'ended', request });
    request.session.auth = back;
    await callback((done) => request.session.save(done));
    await this.sessions.update({ id: back.publicId }, { sidHash: sha256Hex(request.sessionID) });
    await this.handlers.destroyByHash(auth.returnTo as string);
    return this.csrf.tokenFor(request.sessionID);
  }

  /** Ends every session an admin made acting as a user, each recorded as ended by the admin's sign-out; answers those this call ended. */
  async endActedBy(actorId: string): Promise<Array<{ userId: string; id: string }>> {
    return this.endActing({ actorId }, 'admin_signed_out');
  }

  async revoke(userId: string, id: string): Promise<void> {
    const ended = await this.endWhere({ userId, id });
    if (!ended) throw new NotFoundException('Session not found');
  }

  /** Ends every session of the user except `keepId` (the caller's own, when it is a session). */
  async revokeAll(userId: string, keepId?: string): Promise<number> {
    return this.endWhere(keepId ? { userId, id: Not(keepId) } : { userId });
  }

  /**
   * `maxPerUser`: the sessions of the user beyond the cap end, least recently used first (by
   * `lastSeenAt`, which is written at most once a minute, then by age), never the one just made.
   */
  private async endLeastRecentlyUsedPastCap(userId: string, newId: string): Promise<void> {
    const max = this.options.maxPerUser;
    if (max === undefined) return;
    const live = await this.sessions.find({
      where: { userId, expiresAt: MoreThan(new Date()), id: Not(newId) },
      select: { id: true },
      order: { lastSeenAt: 'DESC', createdAt: 'DESC' },
    });
    const over = live.slice(max - 1).map((row) => row.id);
    if (!over.length) return;
    await this.endWhere({ userId, id: In(over) });
    await this.audit.record({
      type: 'session.revoked',
      userId,
      mechanism: 'session',
      detail: { reason: 'session_cap', count: over.length },
    });
  }

  /** The user's live sessions take the user's new roles and address (a snapshot each holds), on every instance within a second. */
  async takeUser(user: AuthUser): Promise<void> {
    const rows = await this.sessions.find({ where: { userId: user.id }, select: { id: true, sidHash: true } });
    await Promise.all(
      rows.map((row) =>
        this.handlers.updateByHash(row.sidHash, (data) =>
          data.auth?.userId === user.id
            ? { ...data, auth: { ...data.auth, roles: [...user.roles], email: user.email } }
            : data,
        ),
      ),
    );
  }

  isPastAbsoluteTimeout(auth: SessionAuth, now = Date.now()): boolean {
    if (auth.endsAt !== undefined && now >= auth.endsAt) return true;
    return now >= auth.createdAt + this.handlers.timeouts.absoluteSeconds * 1000;
  }

  async prune(): Promise<void> {
    try {
      await this.pruneActing();
      // Acting sessions go only through `pruneActing`, which records each end once.
      await this.sessions.delete({ expiresAt: LessThan(new Date()), actorId: IsNull() });
      await this.handlers.pruneStore();
    } catch (error) {
      this.logger.warn(`Session pruning failed: ${String(error)}`);
    }
  }

  /** Acting sessions past their end (their time, or idle) end, each recorded once as expired, whichever instance prunes. */
  async pruneActing(): Promise<void> {
    try {
      await this.endActing({ actorId: Not(IsNull()), expiresAt: LessThan(new Date()) }, 'expired');
    } catch (error) {
      this.logger.warn(`Pruning acting sessions failed: ${String(error)}`);
    }
  }

  /**
   * Ends the acting sessions `where` selects, one by one: the session's data first (it logs no one in
   * from then on), then its row with the `impersonation.ended` record in one transaction, recorded
   * only by the call whose delete removed the row. Answers those this call ended.
   */
  private async endActing(
    where: { actorId: string | FindOperator<string>; expiresAt?: FindOperator<Date> },
    how: ActingEndedHow,
  ): Promise<Array<{ userId: string; id: string }>> {
    const rows = await this.sessions.find({ where, select: { id: true, sidHash: true, userId: true, actorId: true } });
    const ended: Array<{ userId: string; id: string }> = [];
    for (const row of rows) {
      await this.handlers.destroyByHash(row.sidHash);
      const acting = { userId: row.userId, actorId: row.actorId as string, how };
      const match = where.expiresAt ? { id: row.id, expiresAt: where.expiresAt } : { id: row.id };
      if (await this.deleteRow(match, acting)) ended.push({ userId: row.userId, id: row.id });
    }
    return ended;
  }

  /** Deletes one session's row; for an acting session, with its `impersonation.ended` record when this call deleted it. */
  private async deleteRow(
    match: { id: string; expiresAt?: FindOperator<Date> },
    acting?: Omit<ActingEnded, 'mechanism'>,
  ): Promise<boolean> {
    if (!acting) return Boolean((await this.sessions.delete(match)).affected);
    return this.audit.transaction(async (tx) => {
      if (!(await tx.manager.delete(UserSession, match)).affected) return false;
      recordActingEnded(tx, { ...acting, mechanism: 'session' });
      return true;
    });
  }

  /** Ends the sessions `where` selects; an acting one among them is recorded as ended. */
  private async endWhere(where: Record<string, unknown>): Promise<number> {
    const rows = await this.sessions.find({ where, select: { id: true, sidHash: true, userId: true, actorId: true } });
    await Promise.all(rows.map((row) => this.handlers.destroyByHash(row.sidHash)));
    const own = rows.filter((row) => !row.actorId).map((row) => row.id);
    if (own.length) await this.sessions.delete({ id: In(own) });
    for (const row of rows)
      if (row.actorId) await this.deleteRow({ id: row.id }, { userId: row.userId, actorId: row.actorId, how: 'ended' });
    return rows.length;
  }
}
