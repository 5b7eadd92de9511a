import { Injectable } from '@nestjs/common';
import { JwtTokensService } from '../jwt/jwt-tokens.service';
import { SessionsService } from '../session/sessions.service';

/**
 * Ends a user's credentials across mechanisms: logout-all, a password change, disabling a user.
 * Sessions are deleted from the store; refresh families are revoked and the user's cut-off saved and
 * announced on the revocation bus, which every instance's JWT cache listens to.
 */
@Injectable()
export class CredentialRevocation {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tokens: JwtTokensService,
  ) {}

  /** Every session (but `keepSessionId`), refresh-token family and access token of the user. */
  async endAllForUser(userId: string, keepSessionId?: string): Promise<void> {
    await this.sessions.revokeAll(userId, keepSessionId);
    await this.tokens.revokeAllForUser(userId);
  }
}
