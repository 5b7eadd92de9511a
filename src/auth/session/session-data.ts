import type { SessionData } from 'express-session';

/** What a logged-in session holds besides the cookie: a snapshot of the principal and its start. */
export interface SessionAuth {
  userId: string;
  email: string;
  roles: string[];
  /** Public identifier shown in session lists; never the session ID. */
  publicId: string;
  /** Epoch milliseconds of the login, for the absolute timeout. */
  createdAt: number;
  /** Epoch seconds of the last proof of identity (the login, a re-authentication); absent in sessions from before it was kept. */
  authTime?: number;
  /** How that proof was made (RFC 8176). */
  amr?: string[];
  /**
   * An admin acting as the user (impersonation): who, until when (epoch ms), and the SHA-256 of the
   * admin's own session ID, kept aside to return to (never the ID itself).
   */
  actor?: { id: string; email: string };
  endsAt?: number;
  returnTo?: string;
}

declare module 'express-session' {
  interface SessionData {
    auth?: SessionAuth;
  }
}

export interface SessionTimeouts {
  idleSeconds: number;
  absoluteSeconds: number;
}

/** Seconds a stored session lives from now: the idle timeout, cut short by the absolute one. */
export function sessionTtlSeconds(session: SessionData, timeouts: SessionTimeouts, now = Date.now()): number {
  const idle = timeouts.idleSeconds;
  if (!session.auth) return idle;
  const end = Math.min(session.auth.createdAt + timeouts.absoluteSeconds * 1000, session.auth.endsAt ?? Infinity);
  const absoluteLeft = Math.floor((end - now) / 1000);
  return Math.max(1, Math.min(idle, absoluteLeft));
}
