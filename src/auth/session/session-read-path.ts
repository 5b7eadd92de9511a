import { parse as parseCookies } from 'cookie';
import { unsign } from 'cookie-signature';
import type { Request, RequestHandler, Response } from 'express';
import type { SessionData } from 'express-session';
import type { KeyObject } from 'node:crypto';
import { sha256Hex } from '../core/secrets';
import type { HashedSessionStore } from './hashed-session.store';
import type { SessionAuth } from './session-data';

/** What the read path found for a request, until something reads `request.session`. */
interface SessionRead {
  readonly auth: SessionAuth | undefined;
}

/** Beside the request, not on it: a property added to an Express request costs more than the look-up. */
const reads = new WeakMap<Request, SessionRead>();

/**
 * The login of the request's session: from the read path while `request.session` is not loaded,
 * else from the session express-session loaded. Reading it does not load the session.
 */
export function sessionAuthOf(request: Request): SessionAuth | undefined {
  const read = reads.get(request);
  return read ? read.auth : request.session?.auth;
}

/**
 * Answers a request whose session this instance read in the last moment without running
 * express-session, which for a request that changes nothing in its session writes nothing and sets
 * no cookie, yet builds a Session and a Cookie, hashes the session twice and wraps `res.end` and
 * `res.writeHead` (about as much CPU as the rest of an authenticated request).
 *
 * The cookie is parsed with express-session's own parser and its signature checked as express-session
 * checks it (a value already checked is remembered: the secrets do not change while the app runs);
 * the session comes from the read cache, under the same rules as a read through the store (dropped at
 * once when any instance ends the session, bypassed while this instance may have missed an end).
 * `request.session` stays unloaded: the first code that reads it runs express-session for the request
 * there and then, on the same data and synchronously, so that whatever changes the session from then
 * on is saved, and the cookie set, exactly as if express-session had run at the start.
 */
export class SessionReadPath {
  /** Signed cookie values whose signature checked out, with the session ID they carry and its SHA-256. */
  private readonly verified = new Map<string, { sid: string; hash: string }>();

  constructor(
    private readonly cookieName: string,
    private readonly secrets: readonly KeyObject[],
    private readonly store: HashedSessionStore,
    private readonly handler: RequestHandler,
    private readonly maxVerified = 10_000,
  ) {}

  /** True when the request's session was answered here; false when express-session must run as usual. */
  tryRead(request: Request, response: Response): boolean {
    const id = this.sessionIdOf(request.headers.cookie);
    if (id === undefined) return false;
    const cached = this.store.peek(id.hash);
    if (!cached) return false;
    reads.set(request, { auth: cached.session.auth });
    request.sessionID = id.sid;
    Object.defineProperty(request, 'session', {
      configurable: true,
      enumerable: true,
      get: () => this.load(request, response, cached.hash, cached.json),
      set: (value: unknown) => {
        reads.delete(request);
        Object.defineProperty(request, 'session', { value, writable: true, configurable: true, enumerable: true });
      },
    });
    return true;
  }

  /** Runs express-session for the request now, on the session the read path found. */
  private load(request: Request, response: Response, hash: string, json: string): SessionData | undefined {
    delete (request as Partial<Request>).session;
    reads.delete(request);
    this.store.pin(hash, json);
    try {
      // Answered synchronously: the store's get finds the pinned session without I/O.
      this.handler(request, response, () => undefined);
    } finally {
      this.store.unpin();
    }
    return request.session;
  }

  /** The session ID of a cookie express-session would accept, or undefined. */
  private sessionIdOf(header: string | undefined): { sid: string; hash: string } | undefined {
    if (header === undefined) return undefined;
    const value = parseCookies(header)[this.cookieName];
    if (value === undefined || !value.startsWith('s:')) return undefined;
    const known = this.verified.get(value);
    if (known !== undefined) return known;
    const signed = value.slice(2);
    for (const secret of this.secrets) {
      const sid = unsign(signed, secret);
      if (sid !== false) {
        if (this.verified.size >= this.maxVerified) this.verified.delete(this.verified.keys().next().value as string);
        const id = { sid, hash: sha256Hex(sid) };
        this.verified.set(value, id);
        return id;
      }
    }
    return undefined;
  }
}
