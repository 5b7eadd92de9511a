import { Inject, Injectable, Logger, NestMiddleware, ServiceUnavailableException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { RedisStore } from 'connect-redis';
import { createSecretKey } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session, { SessionData, Store } from 'express-session';
import { Repository } from 'typeorm';
import { AUTH_OPTIONS, ResolvedAuthOptions } from '../auth.options';
import { AuthRedis, REDIS_CLIENT } from '../core/redis.provider';
import { RevocationBus } from '../core/revocation-bus';
import { randomToken } from '../core/secrets';
import { sendJsonError } from '../core/http-errors';
import { HashedSessionStore } from './hashed-session.store';
import { sessionTtlSeconds, SessionTimeouts } from './session-data';
import { SessionReadCache } from './session-read-cache';
import { SessionRecord } from './session-record.entity';
import { SESSION_ACTIVITY_INTERVAL_MS, SessionsService } from './sessions.service';
import { SqlSessionStore } from './sql-session.store';

export const SESSION_COOKIE = 'sid';
export const SECURE_SESSION_COOKIE = '__Host-sid';
const SESSION_COOKIE_PRESENT = /(?:^|;)\s*(?:__Host-)?sid=/;
/** How long a session read from the store may be reused (DESIGN.md: caches never serve a revoked credential for more than a second). */
const SESSION_READ_CACHE_MS = 1000;

/**
 * express-session for every route, on Redis (connect-redis) or the SQL store. Two configurations:
 * over HTTPS the cookie is `Secure` and named `__Host-sid`; over plain HTTP in development, `sid`.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  private readonly logger = new Logger(SessionMiddleware.name);
  private readonly plain: RequestHandler;
  private readonly secure: RequestHandler;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(REDIS_CLIENT) redis: AuthRedis,
    @InjectRepository(SessionRecord) records: Repository<SessionRecord>,
    sessions: SessionsService,
    bus: RevocationBus,
  ) {
    const timeouts: SessionTimeouts = {
      idleSeconds: options.sessionIdleTimeoutSeconds,
      absoluteSeconds: options.sessionAbsoluteTimeoutSeconds,
    };
    const ttl = (data: SessionData) => sessionTtlSeconds(data, timeouts);
    const sqlStore = redis ? undefined : new SqlSessionStore(records, ttl);
    const inner: Store = redis
      ? new RedisStore({ client: redis, prefix: `${options.redisKeyPrefix}sess:`, ttl })
      : (sqlStore as SqlSessionStore);
    const readCache = new SessionReadCache(SESSION_READ_CACHE_MS);
    bus.subscribe((event) => event.type === 'session' && readCache.delete(event.id));
    const announceEnd = (sidHash: string) =>
      bus
        .publish({ type: 'session', id: sidHash })
        .catch((error: unknown) => this.logger.warn(`Could not announce a session end: ${String(error)}`));
    // express-session installs its own generate() on the store it is given, so each configuration needs its own wrapper.
    // A session must be touched well within its idle timeout, or a short one would end while in use.
    const touchIntervalMs = Math.min(SESSION_ACTIVITY_INTERVAL_MS, timeouts.idleSeconds * 250);
    const hashedStore = () =>
      new HashedSessionStore(inner, touchIntervalMs, (hash, data) => sessions.recordActivity(hash, data.auth), readCache, announceEnd);
    const plainStore = hashedStore();
    const secureStore = hashedStore();
    sessions.attachStore(plainStore, timeouts, sqlStore && (() => sqlStore.pruneExpired()));

    const common: session.SessionOptions = {
      // Key objects, so that signing and checking the cookie do not turn the secret into a key on every request.
      secret: options.sessionSecrets.map((secret) => createSecretKey(Buffer.from(secret))),
      resave: false,
      saveUninitialized: false,
      rolling: false,
      unset: 'destroy',
      genid: () => randomToken(32),
    };
    const cookie = { httpOnly: true, sameSite: 'lax' as const, path: '/' };
    this.secure = session({ ...common, store: secureStore, name: SECURE_SESSION_COOKIE, cookie: { ...cookie, secure: true } });
    this.plain = session({ ...common, store: plainStore, name: SESSION_COOKIE, cookie: { ...cookie, secure: false } });
  }

  /** Expires the session cookie in the browser (the server-side session is destroyed separately). */
  clearCookie(request: Request, response: Response): void {
    const secure = this.isSecure(request);
    response.clearCookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
  }

  /**
   * Loads the session only for requests that carry a session cookie: a bearer-token, API-key or
   * anonymous request pays nothing for sessions. Login creates one on demand (`ensureSession`).
   */
  use(request: Request, response: Response, next: NextFunction): void {
    if (!SESSION_COOKIE_PRESENT.test(request.headers.cookie ?? '')) return next();
    this.handlerFor(request)(request, response, (error?: unknown) => {
      // The store is unreachable: fail closed with a JSON 503 rather than Express's HTML error page.
      if (error) return sendJsonError(response, 503);
      next();
    });
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

  private handlerFor(request: Request): RequestHandler {
    return this.isSecure(request) ? this.secure : this.plain;
  }

  private isSecure(request: Request): boolean {
    if (this.options.secureCookies) return true;
    // Express's request.secure asks the trust-proxy setting on every call; it can only be true over TLS or behind a proxy that says so.
    const overTls = (request.socket as { encrypted?: boolean }).encrypted === true;
    return (overTls || request.headers['x-forwarded-proto'] !== undefined) && request.secure;
  }
}
