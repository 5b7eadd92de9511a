import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { RedisStore } from 'connect-redis';
import type { Request, RequestHandler, Response } from 'express';
import session, { SessionData, Store } from 'express-session';
import { createSecretKey } from 'node:crypto';
import { Repository } from 'typeorm';
import { AUTH_REDIS, AuthRedis } from '../core/redis.provider';
import { REDIS_OPTIONS, ResolvedRedisOptions } from '../core/redis.options';
import { AuthTelemetry } from '../core/auth-telemetry';
import { RevocationBus } from '../core/revocation-bus';
import { randomToken } from '../core/secrets';
import { HashedSessionStore } from './hashed-session.store';
import { SessionAuth, sessionTtlSeconds, SessionTimeouts } from './session-data';
import { ResolvedSessionOptions, SESSION_OPTIONS } from './session.options';
import { SessionReadCache } from './session-read-cache';
import { SessionReadPath } from './session-read-path';
import { SessionRecord } from './session-record.entity';
import { SqlSessionStore } from './sql-session.store';
import { UserSession } from './user-session.entity';

declare module '../core/revocation-bus' {
  interface RevocationEvents {
    /** A session ended; `id` is the SHA-256 of its ID, never the ID. */
    session: { id: string };
  }
}

export const SESSION_COOKIE = 'sid';
export const SECURE_SESSION_COOKIE = '__Host-sid';
/** How long a session read from the store may be reused (DESIGN.md: caches never serve a revoked credential for more than a second). */
const SESSION_READ_CACHE_MS = 1000;
/** `lastSeenAt` and the store's expiry are refreshed at most this often per session. */
export const SESSION_ACTIVITY_INTERVAL_MS = 60_000;

/**
 * express-session on Redis (connect-redis) or the SQL store, in two configurations: over HTTPS the
 * cookie is `Secure` and named `__Host-sid`; over plain HTTP in development, `sid`.
 */
@Injectable()
export class SessionHandlers {
  private readonly logger = new Logger(SessionHandlers.name);
  private readonly plain: RequestHandler;
  private readonly secure: RequestHandler;
  private readonly plainReadPath: SessionReadPath;
  private readonly secureReadPath: SessionReadPath;
  private readonly store: HashedSessionStore;
  private readonly sqlStore?: SqlSessionStore;
  readonly timeouts: SessionTimeouts;

  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(REDIS_OPTIONS) redisOptions: ResolvedRedisOptions,
    @Inject(AUTH_REDIS) redis: AuthRedis | null,
    @InjectRepository(SessionRecord) records: Repository<SessionRecord>,
    @InjectRepository(UserSession) private readonly registry: Repository<UserSession>,
    bus: RevocationBus,
    telemetry: AuthTelemetry,
  ) {
    this.timeouts = { idleSeconds: options.idleTimeoutSeconds, absoluteSeconds: options.absoluteTimeoutSeconds };
    const ttl = (data: SessionData) => sessionTtlSeconds(data, this.timeouts);
    this.sqlStore = redis ? undefined : new SqlSessionStore(records, ttl);
    const inner: Store = redis
      ? new RedisStore({ client: redis, prefix: `${redisOptions.keyPrefix}sess:`, ttl })
      : (this.sqlStore as Store);
    const readCache = new SessionReadCache(SESSION_READ_CACHE_MS);
    bus.subscribe((event) => event.type === 'session' && readCache.delete(event.id));
    // Not logged: a session read is cached for a second at most, so an instance that misses the end forgets the session soon anyway.
    const announceEnd = (sidHash: string) =>
      bus
        .publish({ type: 'session', id: sidHash }, { durable: false })
        .catch((error: unknown) => this.logger.warn(`Could not announce a session end: ${String(error)}`));
    // A session must be touched well within its idle timeout, or a short one would end while in use.
    const touchIntervalMs = Math.min(SESSION_ACTIVITY_INTERVAL_MS, this.timeouts.idleSeconds * 250);
    // express-session installs its own generate() on the store it is given, so each configuration needs its own wrapper.
    const hashedStore = () =>
      new HashedSessionStore(
        inner,
        touchIntervalMs,
        (_hash, data) => this.recordActivity(data.auth),
        readCache,
        announceEnd,
        () => bus.isCurrent(),
        (result) => telemetry.cacheLookup('session', result),
      );
    this.store = hashedStore();
    const secureStore = hashedStore();
    // Key objects, so that signing and checking the cookie do not turn the secret into a key on every request.
    const secrets = options.secrets.map((secret) => createSecretKey(Buffer.from(secret)));
    const common: session.SessionOptions = {
      secret: secrets,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      // Never 'destroy': express-session would then delete a session whose read failed (a Redis outage) once the response ends.
      unset: 'keep',
      genid: () => randomToken(32),
    };
    const cookie = { httpOnly: true, sameSite: 'lax' as const, path: '/' };
    this.secure = session({
      ...common,
      store: secureStore,
      name: SECURE_SESSION_COOKIE,
      cookie: { ...cookie, secure: true },
    });
    this.plain = session({ ...common, store: this.store, name: SESSION_COOKIE, cookie: { ...cookie, secure: false } });
    this.secureReadPath = new SessionReadPath(SECURE_SESSION_COOKIE, secrets, secureStore, this.secure);
    this.plainReadPath = new SessionReadPath(SESSION_COOKIE, secrets, this.store, this.plain);
  }

  handlerFor(request: Request): RequestHandler {
    return this.isSecure(request) ? this.secure : this.plain;
  }

  /** Answers the request's session from the read cache without express-session (SessionReadPath); false when it must run. */
  readFromCache(request: Request, response: Response): boolean {
    return (this.isSecure(request) ? this.secureReadPath : this.plainReadPath).tryRead(request, response);
  }

  /** Gives a request that came without a session cookie a (new, unsaved) session to log in on. */
  async ensureSession(request: Request, response: Response): Promise<void> {
    if (request.session) return;
    await new Promise<void>((resolve, reject) =>
      this.handlerFor(request)(request, response, (error?: unknown) =>
        error ? reject(new ServiceUnavailableException('Service unavailable')) : resolve(),
      ),
    );
  }

  /** Expires the session cookie in the browser (the server-side session is destroyed separately). */
  clearCookie(request: Request, response: Response): void {
    const secure = this.isSecure(request);
    response.clearCookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure,
    });
  }

  /** Ends a session in the store and in every instance's read cache, by the hash the registry keeps. */
  destroyByHash(sidHash: string): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.store.destroyByHash(sidHash, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Changes what a live session holds, in the store and in every instance's read cache. */
  updateByHash(sidHash: string, change: (session: SessionData) => SessionData): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.store.updateByHash(sidHash, change, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** What a live session holds, by the hash the registry keeps; null for one that has ended. */
  dataByHash(sidHash: string): Promise<SessionData | null> {
    return new Promise((resolve, reject) =>
      this.store.inner.get(sidHash, (err, data) => (err ? reject(err) : resolve(data ?? null))),
    );
  }

  async pruneStore(): Promise<void> {
    await this.sqlStore?.pruneExpired();
  }

  /** The end of the session's life from now: the idle timeout, cut short by the absolute one. */
  expiryAt(auth: SessionAuth, now: number): Date {
    return new Date(
      Math.min(
        now + this.timeouts.idleSeconds * 1000,
        auth.createdAt + this.timeouts.absoluteSeconds * 1000,
        auth.endsAt ?? Infinity,
      ),
    );
  }

  isSecure(request: Request): boolean {
    if (this.options.secureCookies) return true;
    // Express's request.secure asks the trust-proxy setting on every call; it can only be true over TLS or behind a proxy that says so.
    const overTls = (request.socket as { encrypted?: boolean }).encrypted === true;
    return (overTls || request.headers['x-forwarded-proto'] !== undefined) && request.secure;
  }

  /** Write-behind of `lastSeenAt`, at most once per touch interval per session (the store throttles the calls). */
  private recordActivity(auth: SessionAuth | undefined): void {
    if (!auth) return;
    const now = Date.now();
    this.registry
      .update({ id: auth.publicId }, { lastSeenAt: new Date(now), expiresAt: this.expiryAt(auth, now) })
      .catch((error: unknown) => this.logger.warn(`Could not record session activity: ${String(error)}`));
  }
}
