export type AuthMechanism = 'session' | 'jwt' | 'apiKey';

/** What every strategy returns: the one identity type guards, decorators and controllers see. */
export interface AuthPrincipal {
  user: { id: string; email: string; roles: string[] };
  via: AuthMechanism;
  /** Public identifier of the session (never the session ID itself). */
  sessionId?: string;
  tokenFamilyId?: string;
  apiKeyId?: string;
  scopes?: string[];
}

export const AUTH_MECHANISMS: readonly AuthMechanism[] = ['session', 'jwt', 'apiKey'];
