import { ForbiddenException, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthMechanism } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { AuthenticationProof } from '../core/authentication-proof';
import { CsrfService } from './csrf.service';
import { SessionAuth } from './session-data';
import { SESSION_COOKIE } from './session-handlers';
import { SessionsService } from './sessions.service';

declare module '../core/auth-mechanism' {
  interface AuthMechanismNames {
    session: true;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The session express-session loaded for the cookie; no further I/O. Unsafe requests carry the CSRF token. */
@Injectable()
export class SessionMechanism implements AuthMechanism {
  readonly name = 'session';
  readonly securityScheme = { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } as const;

  constructor(
    private readonly sessions: SessionsService,
    private readonly csrf: CsrfService,
  ) {}

  carriesCredential(request: Request): boolean {
    return request.session?.auth !== undefined;
  }

  /** A live session answers at once, with no promise; one past its absolute timeout is ended and refused. */
  authenticate(request: Request): AuthPrincipal | null | Promise<null> {
    const auth = request.session?.auth;
    if (!auth) return null;
    if (this.sessions.isPastAbsoluteTimeout(auth)) return this.sessions.end(request).then(() => null);
    return principalOf(auth);
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

  async endUserCredentials(userId: string, keep?: AuthPrincipal): Promise<void> {
    await this.sessions.revokeAll(userId, keep?.via === this.name ? keep.sessionId : undefined);
  }
}

function principalOf(auth: SessionAuth): AuthPrincipal {
  return {
    user: { id: auth.userId, email: auth.email, roles: auth.roles },
    via: 'session',
    sessionId: auth.publicId,
    authTime: auth.authTime,
    amr: auth.amr,
  };
}
