import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { AuthPrincipal } from '../core/auth-principal';
import { SessionsService } from './sessions.service';

/** Authenticates by the session that express-session loaded for the cookie; no further I/O. */
@Injectable()
export class SessionStrategy extends PassportStrategy(Strategy, 'session') {
  constructor(private readonly sessions: SessionsService) {
    super();
  }

  async validate(request: Request): Promise<AuthPrincipal | null> {
    const auth = request.session?.auth;
    if (!auth) return null;
    if (this.sessions.isPastAbsoluteTimeout(auth)) {
      await this.sessions.end(request);
      return null;
    }
    return {
      user: { id: auth.userId, email: auth.email, roles: auth.roles },
      via: 'session',
      sessionId: auth.publicId,
    };
  }
}
