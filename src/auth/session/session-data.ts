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
  const absoluteLeft = Math.floor((session.auth.createdAt + timeouts.absoluteSeconds * 1000 - now) / 1000);
  return Math.max(1, Math.min(idle, absoluteLeft));
}
