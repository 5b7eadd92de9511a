import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { AuthPrincipal } from '../core/auth-principal';
import { SessionAuth } from './session-data';
import { SessionsService } from './sessions.service';

/** Authenticates by the session that express-session loaded for the cookie; no further I/O. */
@Injectable()
export class SessionStrategy extends PassportStrategy(Strategy, 'session') {
  // Passport gives every strategy these actions; passport-custom's types leave them out.
  declare success: (user: AuthPrincipal) => void;
  declare fail: (status: number) => void;

  constructor(private readonly sessions: SessionsService) {
    super();
  }

  /** A live session answers at once, with no promise; one past its absolute timeout goes on to `validate`. */
  authenticate(request: Request, options?: object): void {
    const auth = request.session?.auth;
    if (!auth) return this.fail(401);
    if (this.sessions.isPastAbsoluteTimeout(auth)) return super.authenticate(request, options);
    this.success(principalOf(auth));
  }

  /** Reached (through passport-custom) only for a session past its absolute timeout: it is ended, and refused. */
  async validate(request: Request): Promise<null> {
    await this.sessions.end(request);
    return null;
  }
}

function principalOf(auth: SessionAuth): AuthPrincipal {
  return { user: { id: auth.userId, email: auth.email, roles: auth.roles }, via: 'session', sessionId: auth.publicId };
}
