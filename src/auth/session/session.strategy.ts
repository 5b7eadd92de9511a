import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { AuthPrincipal } from '../core/auth-principal';
import { privatePassportInstance } from '../core/passport-strategy-runner';
import { SessionAuth } from './session-data';
import { sessionAuthOf } from './session-read-path';
import { SessionsService } from './sessions.service';

/**
 * The session express-session loaded for the request's cookie, and nothing more: no I/O for a live
 * session. One past its absolute timeout is ended (in the store, on every instance) and refused.
 */
@Injectable()
export class SessionStrategy extends PassportStrategy(Strategy, 'session') {
  // Passport's actions, which passport-custom's types leave out; `runStrategy` provides them per request.
  declare success: (user: AuthPrincipal) => void;
  declare fail: (status?: number) => void;

  constructor(private readonly sessions: SessionsService) {
    super();
  }

  getPassportInstance() {
    return privatePassportInstance();
  }

  /** A live session is answered at once, with no promise; anything else goes passport-custom's way, to `validate`. */
  authenticate(request: Request, options?: object): void {
    const auth = sessionAuthOf(request);
    if (!auth) return this.fail(401);
    if (!this.sessions.isPastAbsoluteTimeout(auth)) return this.success(principalOf(auth));
    super.authenticate(request, options);
  }

  async validate(request: Request): Promise<null> {
    await this.sessions.end(request, 'expired');
    return null;
  }
}

export function principalOf(auth: SessionAuth): AuthPrincipal {
  return {
    user: { id: auth.userId, email: auth.email, roles: auth.roles },
    via: 'session',
    sessionId: auth.publicId,
    authTime: auth.authTime,
    amr: auth.amr,
    ...(auth.actor ? { actor: { ...auth.actor } } : {}),
  };
}
