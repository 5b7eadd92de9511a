import { SessionData, Store } from 'express-session';
import { sha256Hex } from '../core/secrets';

type Callback = (err?: unknown, data?: SessionData | null) => void;

/**
 * Sits in front of the real store (Redis or SQL): keeps each session under the SHA-256 of its ID,
 * so no store holds a usable cookie value, and passes a touch on at most once per interval per
 * session, so an active session costs one read per request rather than a read and a write.
 */
export class HashedSessionStore extends Store {
  private readonly lastTouch = new Map<string, number>();

  constructor(
    readonly inner: Store,
    private readonly touchIntervalMs: number,
    private readonly onActivity: (sidHash: string, session: SessionData) => void,
  ) {
    super();
  }

  get(sid: string, callback: Callback): void {
    this.inner.get(sha256Hex(sid), callback);
  }

  set(sid: string, session: SessionData, callback?: Callback): void {
    const hash = sha256Hex(sid);
    this.lastTouch.set(hash, Date.now());
    this.inner.set(hash, session, callback);
  }

  destroy(sid: string, callback?: Callback): void {
    this.destroyByHash(sha256Hex(sid), callback);
  }

  destroyByHash(sidHash: string, callback?: Callback): void {
    this.lastTouch.delete(sidHash);
    this.inner.destroy(sidHash, callback);
  }

  touch(sid: string, session: SessionData, callback?: () => void): void {
    const hash = sha256Hex(sid);
    const now = Date.now();
    const last = this.lastTouch.get(hash);
    if (last !== undefined && now - last < this.touchIntervalMs) return callback?.();
    this.lastTouch.set(hash, now);
    this.forgetStaleTouches(now);
    this.onActivity(hash, session);
    if (this.inner.touch) this.inner.touch(hash, session, callback);
    else callback?.();
  }

  /** Keeps the map bounded: entries older than the interval would let the next touch through anyway. */
  private forgetStaleTouches(now: number): void {
    if (this.lastTouch.size < 10_000) return;
    for (const [hash, at] of this.lastTouch) {
      if (now - at >= this.touchIntervalMs) this.lastTouch.delete(hash);
    }
  }
}
