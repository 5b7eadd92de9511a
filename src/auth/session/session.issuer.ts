import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthPrincipal } from '../core/auth-principal';
import type { CredentialIssuer } from '../core/credential-issuer';
import type { IdentifiedUser } from '../core/identified-user';
import { toPublicUser } from '../core/public-user';
import { SessionHandlers } from './session-handlers';
import { SessionsService } from './sessions.service';

/** A sign-in that ends in a session: a new session ID and cookie, and the CSRF token the browser sends back. */
@Injectable()
export class SessionIssuer implements CredentialIssuer {
  readonly name = 'session';

  constructor(
    private readonly sessions: SessionsService,
    private readonly handlers: SessionHandlers,
  ) {}

  prepare(request: Request, response: Response): Promise<void> {
    return this.handlers.ensureSession(request, response);
  }

  async issue(identified: IdentifiedUser, request: Request, response: Response): Promise<object> {
    const { csrfToken } = await this.sessions.issue(identified, request, response);
    return { user: toPublicUser(identified.user), csrfToken };
  }

  /** Back to the admin's own session, under a new ID; the new CSRF token comes in `X-CSRF-Token`. */
  async endActing(_principal: AuthPrincipal, request: Request, response: Response): Promise<void> {
    try {
      response.setHeader('X-CSRF-Token', await this.sessions.returnToActor(request));
    } catch (error) {
      this.handlers.clearCookie(request, response);
      throw error;
    }
  }

  /** A stolen cookie of the old session ID stops working; the new CSRF token comes in `X-CSRF-Token`. */
  async renew(_principal: AuthPrincipal, request: Request, response: Response): Promise<void> {
    response.setHeader('X-CSRF-Token', await this.sessions.renew(request));
  }
}
