import { SessionData, Store } from 'express-session';
import type { CacheResult } from '../core/auth-telemetry';
import { sha256Hex } from '../core/secrets';
import { CachedSession, SessionReadCache } from './session-read-cache';

type Callback = (err?: unknown, data?: SessionData | null) => void;

/** How long a write or an end is remembered: longer than any request that ends with express-session's second write. */
const RECENT_WRITE_MS = 60_000;

/**
 * Sits in front of the real store (Redis or SQL): keeps each session under the SHA-256 of its ID,
 * so no store holds a usable cookie value; answers repeated reads of a session from a short cache;
 * and extends a session's life in the store at most once per interval, so an active session costs
 * the store about one read a second and one write a minute, not a read and a write per request.
 *
 * It has no `touch` method on purpose: express-session would then hash the session once more and
 * call it after every response. A read is the sign of activity instead: `get` passes the touch on
 * to the real store when one is due.
 */
export class HashedSessionStore extends Store {
  private readonly lastTouch = new Map<string, number>();
  /** What was written under each session lately, to recognise express-session's second write of a login's session. */
  private readonly recentWrites = new Map<string, { json: string; at: number }>();
  /** Sessions ended on this instance lately: a session ID is never used again, so nothing may write one back. */
  private readonly ended = new Map<string, { at: number }>();
  /** A session the read path already read, handed to express-session's `get` when the request loads it. */
  private pinned?: { hash: string; json: string };

  constructor(
    readonly inner: Store,
    private readonly touchIntervalMs: number,
    private readonly onActivity: (sidHash: string, session: Readonly<SessionData>) => void,
    private readonly cache: SessionReadCache,
    private readonly onDestroyed: (sidHash: string) => Promise<void> | void,
    /** False while the instance may have missed a session's end elsewhere: reads then go to the store. */
    private readonly cacheIsCurrent: () => boolean = () => true,
    private readonly countLookup: (result: CacheResult) => void = () => undefined,
  ) {
    super();
  }

  get(sid: string, callback: Callback): void {
    const hash = sha256Hex(sid);
    if (this.pinned?.hash === hash) return callback(undefined, JSON.parse(this.pinned.json) as SessionData);
    const current = this.cacheIsCurrent();
    const cached = current ? this.cache.get(hash) : undefined;
    this.countLookup(cached !== undefined ? 'hit' : current ? 'miss' : 'bypass');
    if (cached !== undefined) {
      this.touchIfDue(hash, cached.session);
      return callback(undefined, JSON.parse(cached.json) as SessionData);
    }
    this.inner.get(hash, (error, session) => {
      if (!error && session) {
        this.cache.set(hash, JSON.stringify(session));
        this.touchIfDue(hash, session);
      }
      callback(error, session);
    });
  }

  /**
   * The session from the read cache, by the SHA-256 of its ID, without I/O, counted and touched like a read through `get`;
   * undefined when it is not there or this instance may have missed its end.
   */
  peek(sidHash: string): CachedSession | undefined {
    const current = this.cacheIsCurrent();
    const cached = current ? this.cache.get(sidHash) : undefined;
    if (cached === undefined) return undefined;
    this.countLookup('hit');
    this.touchIfDue(cached.hash, cached.session);
    return cached;
  }

  pin(hash: string, json: string): void {
    this.pinned = { hash, json };
  }

  unpin(): void {
    this.pinned = undefined;
  }

  set(sid: string, session: SessionData, callback?: Callback): void {
    const hash = sha256Hex(sid);
    const now = Date.now();
    const json = JSON.stringify(session);
    // express-session writes a session once more when the response ends if its ID changed during the request
    // (a login's regenerate), although the login saved it already. That late write could bring back a session a
    // revocation swept in between, so the same content written a moment ago, or a session ended here, is not written.
    const written = this.recentWrites.get(hash);
    if ((written && written.json === json && now - written.at < RECENT_WRITE_MS) || this.ended.has(hash)) {
      return callback?.();
    }
    this.remember(this.recentWrites, hash, { json, at: now }, now);
    this.lastTouch.set(hash, now);
    this.cache.delete(hash);
    this.inner.set(hash, session, callback);
  }

  destroy(sid: string, callback?: Callback): void {
    this.destroyByHash(sha256Hex(sid), callback);
  }

  /** Every end of a session passes here: logout, revocation, login's new ID, timeouts. */
  destroyByHash(sidHash: string, callback?: Callback): void {
    this.remember(this.ended, sidHash, { at: Date.now() }, Date.now());
    this.lastTouch.delete(sidHash);
    this.cache.delete(sidHash);
    this.inner.destroy(sidHash, (error) => {
      if (error) return callback?.(error);
      // The caller hears of the end only once the other instances have been told.
      void Promise.resolve(this.onDestroyed(sidHash)).then(() => callback?.());
    });
  }

  /**
   * Changes what a live session holds, by the hash the registry keeps, without touching its ID or
   * expiry; a session that has ended stays ended. The change reaches other instances' read caches
   * through `onDestroyed`'s announcement, which only drops the cached copy.
   */
  updateByHash(sidHash: string, change: (session: SessionData) => SessionData, callback: Callback): void {
    this.inner.get(sidHash, (error, session) => {
      if (error || !session) return callback(error);
      this.cache.delete(sidHash);
      this.inner.set(sidHash, change(session), (setError) => {
        if (setError) return callback(setError);
        void Promise.resolve(this.onDestroyed(sidHash)).then(() => callback());
      });
    });
  }

  /** Restarts the idle timeout in the real store, at most once per interval per session; off the request's path. */
  private touchIfDue(hash: string, session: Readonly<SessionData>): void {
    const now = Date.now();
    const last = this.lastTouch.get(hash);
    if (last !== undefined && now - last < this.touchIntervalMs) return;
    this.lastTouch.set(hash, now);
    this.forgetStaleTouches(now);
    this.onActivity(hash, session);
    this.inner.touch?.(hash, session, () => undefined);
  }

  /** Adds to a map of recent entries, dropping those older than RECENT_WRITE_MS once it holds 10,000. */
  private remember<T extends { at: number }>(map: Map<string, T>, hash: string, entry: T, now: number): void {
    map.delete(hash);
    map.set(hash, entry);
    if (map.size < 10_000) return;
    for (const [key, value] of map) {
      if (now - value.at < RECENT_WRITE_MS) break;
      map.delete(key);
    }
  }

  /** Keeps the map bounded: entries older than the interval would let the next touch through anyway. */
  private forgetStaleTouches(now: number): void {
    if (this.lastTouch.size < 10_000) return;
    for (const [hash, at] of this.lastTouch) {
      if (now - at >= this.touchIntervalMs) this.lastTouch.delete(hash);
    }
  }
}
