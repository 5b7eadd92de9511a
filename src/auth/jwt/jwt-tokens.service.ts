import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { ActingEndedHow, recordActingEnded } from '../audit/acting-ended';
import { AuditLog } from '../audit/audit-log.service';
import { SignInOutcomes } from '../audit/sign-in-outcomes';
import { AccountParts } from '../core/account-parts';
import { AuthTelemetry } from '../core/auth-telemetry';
import { AuthenticationProof, proofNow } from '../core/authentication-proof';
import { IdentifiedUser } from '../core/identified-user';
import { RevocationBus } from '../core/revocation-bus';
import { USER_STORE, UserStore } from '../core/user-store';
import { AccessTokenSigner, TokenSubject } from './access-token.signer';
import { invalidGrant } from './invalid-grant';
import { RefreshTokenFamily } from './refresh-token-family.entity';
import { IssuedRefreshToken, RefreshTokensService, TokenFamilyView } from './refresh-tokens.service';

/** The token response of RFC 6749 §5.1. */
export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

/** Families an admin made acting as a user end, recorded as `impersonation.ended`, within this long of their end. */
const ACTING_PRUNE_INTERVAL_MS = 60_000;

/** Issues, refreshes and revokes token pairs, and announces every revocation to all instances. */
@Injectable()
export class JwtTokensService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JwtTokensService.name);
  private actingPruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly refreshTokens: RefreshTokensService,
    private readonly signer: AccessTokenSigner,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly bus: RevocationBus,
    private readonly audit: AuditLog,
    private readonly telemetry: AuthTelemetry,
    private readonly signIns: SignInOutcomes,
    parts: AccountParts,
  ) {
    parts.add({
      name: 'tokenFamilies',
      itemPath: 'token-families',
      view: (userId) => this.listFamilies(userId),
      // Each family's refresh tokens go with it (their foreign key cascades).
      remove: async (userId, manager) => void (await manager.delete(RefreshTokenFamily, { userId })),
      end: (userId, id, by) => this.revokeFamilyOf(userId, id, by.request, by.actorId),
    });
  }

  onModuleInit(): void {
    this.actingPruneTimer = setInterval(() => void this.pruneActing(), ACTING_PRUNE_INTERVAL_MS);
    this.actingPruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.actingPruneTimer);
  }

  /**
   * The last step of every login that ends in a token pair: a new family, its first refresh token
   * and access token, and the audit event. Undone, with the login's 401, when a revocation of the
   * user began while the login ran.
   */
  async issue(identified: IdentifiedUser, request?: Request): Promise<TokenPair> {
    const { user } = identified;
    const family = await this.refreshTokens.startFamily(user.id, proofNow(identified.amr), {
      ip: request?.ip,
      userAgent: request?.header('user-agent'),
      actorId: identified.actor?.id,
      endsAt: identified.endsAt,
    });
    await this.signIns.conclude(identified, 'jwt', request, () => this.refreshTokens.revokeFamily(family.familyId));
    return this.pair(user, family, identified.actor);
  }

  async refresh(presented: string, request?: Request): Promise<TokenPair> {
    const rotation = await this.refreshTokens.rotate(presented);
    if (!rotation.ok) {
      if (rotation.revokedFamilyId) {
        await this.bus.publish({ type: 'family', id: rotation.revokedFamilyId });
        const event = {
          userId: rotation.userId,
          mechanism: 'jwt',
          request,
          detail: { familyId: rotation.revokedFamilyId },
        };
        await this.audit.record({ type: 'refresh_token.reuse_detected', ...event });
        this.telemetry.refreshReuse();
        await this.audit.record({ type: 'token_family.revoked', ...event });
      }
      throw invalidGrant();
    }
    // Email, roles and status are read afresh here, so an access token is never more than one lifetime stale.
    const user = await this.users.findById(rotation.userId);
    // An impersonation's family lives only as long as its admin may act.
    const actor = rotation.actorId ? await this.users.findById(rotation.actorId) : undefined;
    if (!user || user.disabled || actor === null || actor?.disabled) {
      await this.revokeFamily(rotation.familyId);
      throw invalidGrant();
    }
    await this.audit.record({
      type: 'token.refreshed',
      userId: user.id,
      mechanism: 'jwt',
      request,
      detail: { familyId: rotation.familyId },
    });
    return this.pair(user, rotation, actor ?? undefined);
  }

  /**
   * A re-authentication of the caller's family: a new pair of the same family whose access token
   * carries the new proof; the family's other refresh tokens are spent. 401 when the family has ended.
   */
  async reauthenticate(familyId: string, userId: string, proof: AuthenticationProof): Promise<TokenPair> {
    const user = await this.users.findById(userId);
    const renewed = user && !user.disabled ? await this.refreshTokens.renewProof(familyId, userId, proof) : null;
    // An admin acting as the user never renews the user's proof of identity.
    if (!user || !renewed || renewed.actorId) throw new UnauthorizedException('Unauthorized');
    return this.pair(user, renewed);
  }

  /** Ends the family of the presented refresh token, if there is one (RFC 7009: unknown tokens are no error). */
  async revoke(presented: string, request?: Request): Promise<void> {
    const family = await this.refreshTokens.familyOf(presented);
    if (!family) return;
    const { familyId, userId } = family;
    await this.audit.transaction(async (tx) => {
      await this.refreshTokens.revokeFamily(familyId, tx.manager);
      // The revocation log's row commits with the revocation and its event: a crash after the answer loses none.
      await this.bus.publish({ type: 'family', id: familyId }, { manager: tx.manager });
      tx.record({ type: 'token_family.revoked', userId, mechanism: 'jwt', request, detail: { familyId } });
    });
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.refreshTokens.revokeFamily(familyId);
    await this.bus.publish({ type: 'family', id: familyId });
  }

  /**
   * Ends every refresh-token family of the user, announcing each: an access token a refresh issued
   * while the user's cut-off was on its way is refused by its family.
   */
  async revokeAllForUser(userId: string): Promise<void> {
    for (const family of await this.refreshTokens.liveActing({ userId })) await this.endActingFamily(family, 'ended');
    const ids = await this.refreshTokens.revokeAllForUser(userId);
    await Promise.all(ids.map((id) => this.bus.publish({ type: 'family', id })));
  }

  /** Ends every live family an admin made acting as a user, announcing and recording each; answers those this call ended. */
  async revokeAllActedBy(actorId: string): Promise<Array<{ userId: string; id: string }>> {
    const ended: Array<{ userId: string; id: string }> = [];
    for (const family of await this.refreshTokens.liveActing({ actorId }))
      if (await this.endActingFamily(family, 'admin_signed_out')) ended.push({ userId: family.userId, id: family.id });
    return ended;
  }

  /** Ends the family of a token pair acting as the user (the impersonation's end), recorded with it. */
  async endActing(family: { id: string; userId: string; actorId: string }, request: Request): Promise<void> {
    await this.endActingFamily(family, 'ended', request);
  }

  /** Families an admin made acting as a user that reached their end are revoked, each recorded once as expired, whichever instance prunes. */
  async pruneActing(now = new Date()): Promise<void> {
    try {
      for (const family of await this.refreshTokens.liveActing({ expiredBy: now }))
        await this.endActingFamily(family, 'expired', undefined, now);
    } catch (error) {
      this.logger.warn(`Pruning acting token families failed: ${String(error)}`);
    }
  }

  /**
   * Revokes one acting family with its `impersonation.ended` record in one transaction, recorded only
   * by the call whose revocation took effect. An expired family's access tokens end by their own `exp`,
   * so only the other ends are announced.
   */
  private async endActingFamily(
    family: { id: string; userId: string; actorId: string },
    how: ActingEndedHow,
    request?: Request,
    expiredBy?: Date,
  ): Promise<boolean> {
    return this.audit.transaction(async (tx) => {
      if (!(await this.refreshTokens.revokeFamily(family.id, tx.manager, expiredBy))) return false;
      if (how !== 'expired') await this.bus.publish({ type: 'family', id: family.id }, { manager: tx.manager });
      recordActingEnded(tx, { userId: family.userId, actorId: family.actorId, how, mechanism: 'jwt', request });
      return true;
    });
  }

  /** The caller's signed-in apps (refresh-token families). */
  listFamilies(userId: string, currentId?: string): Promise<TokenFamilyView[]> {
    return this.refreshTokens.list(userId, currentId);
  }

  /** Ends one family of the user on every instance within a second; false when it is not theirs. */
  async revokeFamilyOf(userId: string, familyId: string, request?: Request, actorId?: string): Promise<boolean> {
    const acting = (await this.refreshTokens.liveActing({ userId })).find((family) => family.id === familyId);
    if (acting) {
      if (!(await this.endActingFamily(acting, 'ended', request))) return false;
    } else {
      if (!(await this.refreshTokens.revokeFamilyOf(userId, familyId))) return false;
      await this.bus.publish({ type: 'family', id: familyId });
    }
    await this.audit.record({
      type: 'token_family.revoked',
      userId,
      actorId: actorId && actorId !== userId ? actorId : null,
      mechanism: 'jwt',
      request,
      detail: { familyId },
    });
    return true;
  }

  private pair(user: TokenSubject, refresh: IssuedRefreshToken, actor?: { id: string; email: string }): TokenPair {
    const access = this.signer.sign(user, refresh.familyId, refresh.proof, actor, refresh.expiresAt);
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refresh.refreshToken,
      refresh_expires_in: Math.max(0, Math.floor((refresh.expiresAt.getTime() - Date.now()) / 1000)),
    };
  }
}
