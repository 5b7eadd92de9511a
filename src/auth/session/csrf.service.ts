import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { ResolvedSessionOptions, SESSION_OPTIONS } from './session.options';
import { safeEqual } from '../core/secrets';

/**
 * CSRF tokens derived from the session ID with HMAC (the synchronizer-token pattern without storage):
 * a token is only valid for its own session and changes when the ID changes at login.
 */
@Injectable()
export class CsrfService {
  constructor(@Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions) {}

  tokenFor(sessionId: string): string {
    return this.sign(this.options.secrets[0], sessionId);
  }

  verify(sessionId: string | undefined, token: string | undefined): boolean {
    if (!sessionId || typeof token !== 'string' || token.length === 0 || token.length > 200) return false;
    return this.options.secrets.some((secret) => safeEqual(this.sign(secret, sessionId), token));
  }

  private sign(secret: string, sessionId: string): string {
    return createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
  }
}
