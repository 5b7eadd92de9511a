import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AccountsService } from '../accounts/accounts.service';
import { AuditLog } from '../audit/audit-log.service';
import { AuthMechanisms } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { CredentialIssuers } from '../core/credential-issuer';
import { IdentifiedUser } from '../core/identified-user';
import { USER_STORE, UserStore } from '../core/user-store';
import { UserRevocations } from '../core/user-revocations';
import { SignInFunnel } from '../login/sign-in-funnel';
import { IMPERSONATION_OPTIONS, ResolvedImpersonationOptions } from './impersonation.options';

/** The role whose holders may act as others and may never be acted as. */
const ADMIN_ROLE = 'admin';

/**
 * An admin acting as a user, to see what the user sees (RFC 8693's actor): a credential of the
 * user's that carries the admin as `actor`, for a limited time, audited on both users with the
 * reason. It ends by `end`, by its time (the credential's own end), and when the admin is disabled
 * or signed out everywhere (every credential the admin made as someone else ends with theirs).
 * The credential's mechanism records `impersonation.ended` in the transaction that ends it (audit/acting-ended.ts).
 */
@Injectable()
export class ImpersonationService {
  constructor(
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly revocations: UserRevocations,
    private readonly funnel: SignInFunnel,
    private readonly issuers: CredentialIssuers,
    private readonly mechanisms: AuthMechanisms,
    private readonly audit: AuditLog,
    @Inject(IMPERSONATION_OPTIONS) private readonly options: ResolvedImpersonationOptions,
    accounts: AccountsService,
  ) {
    accounts.onCredentialsEnded((userId) => this.endActedBy(userId));
  }

  /**
   * 403 for an admin as target (or oneself), 404 unknown, 409 disabled, 400 past the longest allowed.
   * Answers what the admin's kind of credential answers at sign-in, and when it ends.
   */
  async start(
    admin: AuthPrincipal,
    targetId: string,
    input: { reason: string; minutes?: number },
    request: Request,
    response: Response,
  ): Promise<object> {
    const minutes = input.minutes ?? this.options.defaultMinutes;
    if (minutes > this.options.maxMinutes)
      throw new BadRequestException(`minutes must not be greater than ${this.options.maxMinutes}`);
    // The epoch before the user: a revocation of the user from now on undoes what is issued here.
    const epoch = await this.revocations.epochOf(targetId);
    const [target, actor] = await Promise.all([this.users.findById(targetId), this.users.findById(admin.user.id)]);
    if (!actor || actor.disabled || !actor.roles.includes(ADMIN_ROLE)) throw new UnauthorizedException('Unauthorized');
    if (!target) throw new NotFoundException('User not found');
    if (target.id === actor.id || target.roles.includes(ADMIN_ROLE))
      throw new ForbiddenException('An admin cannot be impersonated');
    if (target.disabled) throw new ConflictException('User is disabled');
    const endsAt = new Date(Date.now() + minutes * 60_000);
    const reason = input.reason.trim();
    // Recorded first, with the notice to the user: an impersonation that happened is never missing from the trail.
    await this.audit.transaction((tx) => {
      tx.record({
        type: 'impersonation.started',
        userId: target.id,
        actorId: actor.id,
        mechanism: admin.via,
        request,
        detail: { reason, minutes, notify: this.options.notifyUser },
      });
      tx.record({
        type: 'impersonation.started',
        userId: actor.id,
        mechanism: admin.via,
        request,
        detail: { reason, minutes, targetUserId: target.id },
      });
    });
    const identified: IdentifiedUser = {
      user: target,
      epoch,
      method: 'impersonation',
      amr: [],
      actor: { id: actor.id, email: actor.email },
      endsAt,
    };
    const issued = await this.funnel.finish(identified, admin.via, request, response);
    return { ...issued, expiresAt: endsAt };
  }

  /** Ends the impersonation the request came with: back to the admin's own session, or the token pair's family ends. */
  async end(principal: AuthPrincipal, request: Request, response: Response): Promise<void> {
    const actor = principal.actor;
    const issuer = this.issuers.get(principal.via);
    if (!actor || !issuer?.endActing) throw new UnauthorizedException('Unauthorized');
    await issuer.endActing(principal, request, response);
  }

  /** Every credential the user made acting as someone else ends with their own (disabled, signed out everywhere). */
  private async endActedBy(actorId: string): Promise<void> {
    for (const mechanism of this.mechanisms.all()) await mechanism.endActedBy?.(actorId);
  }
}
