import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AuthTelemetry } from '../core/auth-telemetry';
import { IdentifiedUser } from '../core/identified-user';
import { UserRevocations } from '../core/user-revocations';
import { AuditLog } from './audit-log.service';

/**
 * How every sign-in ends once its credential exists: a revocation of the user (logout-all, disable, a
 * new password) that began after the user was identified undoes it with the login's own 401, since
 * the revocation could not have reached a credential it did not see; either way it is audited and counted.
 */
@Injectable()
export class SignInOutcomes {
  constructor(
    private readonly audit: AuditLog,
    private readonly revocations: UserRevocations,
    private readonly telemetry: AuthTelemetry,
  ) {}

  async conclude(
    identified: IdentifiedUser,
    mechanism: string,
    request: Request | undefined,
    undo: () => Promise<unknown>,
  ): Promise<void> {
    const { user, epoch, method } = identified;
    if ((await this.revocations.epochOf(user.id)) !== epoch) {
      await undo();
      await this.overtaken(user.id, mechanism, method, request);
      throw new UnauthorizedException('Invalid email or password');
    }
    await this.audit.record({ type: 'login.succeeded', userId: user.id, mechanism, request, detail: { method } });
    this.telemetry.login(method, 'success');
  }

  /** A sign-in a revocation overtook before it was done. */
  async overtaken(userId: string, mechanism: string, method: string, request: Request | undefined): Promise<void> {
    await this.audit.record({
      type: 'login.failed',
      userId,
      mechanism,
      request,
      detail: { reason: 'revoked_during_login' },
    });
    this.telemetry.login(method, 'failure');
  }
}
