import type { SessionData } from 'express-session';
import { deepFreeze } from '../core/deep-freeze';

export interface CachedSession {
  /** The SHA-256 of the session ID, the key the store and the revocation bus know it by. */
  readonly hash: string;
  /** What express-session is given: every request parses its own copy. */
  readonly json: string;
  /** A frozen copy shared by the requests that only read it. */
  readonly session: Readonly<SessionData>;
}

/**
 * Sessions read from the store in the last moment, by the SHA-256 of their ID. Entries live at most
 * `ttlMs` (one second by default) and are dropped at once when any instance destroys the session (the
 * revocation bus), so a revoked session is never served, and one that expired in the store is served
 * for at most `ttlMs` more.
 */
export class SessionReadCache {
  private readonly entries = new Map<string, { json: string; until: number; session?: Readonly<SessionData> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(sidHash: string, now = Date.now()): CachedSession | undefined {
    const entry = this.entries.get(sidHash);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(sidHash);
      return undefined;
    }
    entry.session ??= deepFreeze(JSON.parse(entry.json) as SessionData);
    return { hash: sidHash, json: entry.json, session: entry.session };
  }

  set(sidHash: string, json: string, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(sidHash, { json, until: now + this.ttlMs });
  }

  delete(sidHash: string): void {
    this.entries.delete(sidHash);
  }
}
