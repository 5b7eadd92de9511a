import type { AuthUser } from './user-store';

/**
 * A user a way of signing in has just identified (a password, later an OpenID provider or a passkey),
 * with the user's revocation epoch as it was read before the user was: the credential issued for it
 * stands only if the epoch has not moved meanwhile. Every login ends with one issue call per
 * mechanism (a session, a token pair) that takes this.
 */
export interface IdentifiedUser {
  user: AuthUser;
  epoch: number;
  /** How the user signed in, for the audit trail. */
  method: string;
  /** How the user proved who they are, as RFC 8176 values: what the issued credential carries as `amr`. */
  amr: string[];
  /** An admin acting as the user (impersonation): the credential carries them, and ends at `endsAt`. */
  actor?: { id: string; email: string };
  endsAt?: Date;
}
