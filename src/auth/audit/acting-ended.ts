import type { Request } from 'express';
import type { AuditTransaction } from './audit-log.service';

/** How a credential an admin made acting as a user (impersonation) ended. */
export type ActingEndedHow = 'ended' | 'admin_signed_out' | 'expired';

export interface ActingEnded {
  /** The user acted as. */
  userId: string;
  /** The admin who acted. */
  actorId: string;
  how: ActingEndedHow;
  mechanism: string;
  request?: Request;
}

/**
 * `impersonation.ended` on both users, in the transaction of the change that ended the credential
 * (a row deleted, a family revoked): the end and its record commit together, and only the caller
 * whose change took effect records, so a crash loses neither and two instances never record twice.
 */
export function recordActingEnded(tx: AuditTransaction, ended: ActingEnded): void {
  const { userId, actorId, how, mechanism, request } = ended;
  tx.record({ type: 'impersonation.ended', userId, actorId, mechanism, request, detail: { how } });
  tx.record({
    type: 'impersonation.ended',
    userId: actorId,
    mechanism,
    request,
    detail: { how, targetUserId: userId },
  });
}
