import type { AuthMechanismName } from './auth-mechanism';

/** What every mechanism returns: the one identity type the guard, decorators and controllers see. */
export interface AuthPrincipal {
  user: { id: string; email: string; roles: string[] };
  /** The mechanism that authenticated the request. */
  via: AuthMechanismName;
  /** Public identifier of the session (never the session ID itself). */
  sessionId?: string;
  tokenFamilyId?: string;
  apiKeyId?: string;
  certificateId?: string;
  /** Set by mechanisms whose credentials are scoped (API keys): the route's scopes must all be here. Absent: the user's full rights. */
  scopes?: string[];
  /** Epoch seconds of the caller's last proof of identity (a sign-in, a re-authentication); absent for machine credentials. */
  authTime?: number;
  /** How that proof was made, as RFC 8176 values (`pwd`, `otp`, `hwk`, `user`, `fed`, `mfa`). */
  amr?: string[];
  /**
   * The admin acting as the user (impersonation): present, the principal never passes a route that
   * needs a fresh authentication or changes how the user signs in.
   */
  actor?: { id: string; email: string };
}
