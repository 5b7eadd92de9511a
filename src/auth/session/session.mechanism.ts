import { ForbiddenException, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthMechanism } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { AuthenticationProof } from '../core/authentication-proof';
import type { AuthUser } from '../core/user-store';
import { runStrategy } from '../core/passport-strategy-runner';
import { CsrfService } from './csrf.service';
import { principalOf, SessionStrategy } from './session.strategy';
import { SESSION_COOKIE } from './session-handlers';
import { sessionAuthOf } from './session-read-path';
import { SessionsService } from './sessions.service';

declare module '../core/auth-mechanism' {
  interface AuthMechanismNames {
    session: true;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The session express-session loaded for the cookie, by the session strategy; no further I/O. Unsafe requests carry the CSRF token. */
@Injectable()
export class SessionMechanism implements AuthMechanism {
  readonly name = 'session';
  readonly caller = 'user';
  readonly securityScheme = { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } as const;

  constructor(
    private readonly sessions: SessionsService,
    private readonly csrf: CsrfService,
    private readonly strategy: SessionStrategy,
  ) {}

  carriesCredential(request: Request): boolean {
    return sessionAuthOf(request) !== undefined;
  }

  /**
   * A live session is answered at once, before any of Passport's per-request set-up; one past its
   * absolute timeout goes to the session strategy (Passport, run from this module's own instance), which ends it.
   */
  authenticate(request: Request): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    const auth = sessionAuthOf(request);
    if (!auth) return null;
    if (!this.sessions.isPastAbsoluteTimeout(auth)) return principalOf(auth);
    return runStrategy<AuthPrincipal>(this.strategy, request);
  }

  afterAuthentication(_principal: AuthPrincipal, request: Request): void {
    if (UNSAFE_METHODS.has(request.method) && !this.csrf.verify(request.sessionID, request.header('x-csrf-token'))) {
      throw new ForbiddenException('Invalid CSRF token');
    }
  }

  /** The session keeps the new proof itself: the caller gets nothing new. */
  async reauthenticated(_principal: AuthPrincipal, request: Request, proof: AuthenticationProof): Promise<undefined> {
    await this.sessions.recordProof(request, proof);
    return undefined;
  }

  endActedBy(actorId: string): Promise<Array<{ userId: string; id: string }>> {
    return this.sessions.endActedBy(actorId);
  }

  async userChanged(user: AuthUser): Promise<void> {
    await this.sessions.takeUser(user);
  }

  async endUserCredentials(userId: string, keep?: AuthPrincipal): Promise<void> {
    await this.sessions.revokeAll(userId, keep?.via === this.name ? keep.sessionId : undefined);
  }
}
