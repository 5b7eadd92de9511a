import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, FindOptionsWhere, In, IsNull, LessThan, MoreThan, Not, Repository } from 'typeorm';
import { AuthenticationProof } from '../core/authentication-proof';
import { randomToken, sha256Hex } from '../core/secrets';
import { RefreshToken } from './refresh-token.entity';
import { RefreshTokenFamily } from './refresh-token-family.entity';
import { JWT_OPTIONS, ResolvedJwtOptions } from './jwt.options';

const PRUNE_INTERVAL_MS = 10 * 60_000;
/** 256 random bits. */
const REFRESH_TOKEN_BYTES = 32;

export interface IssuedRefreshToken {
  familyId: string;
  userId: string;
  refreshToken: string;
  expiresAt: Date;
  /** The family's last proof of identity, which its access tokens carry; absent in families from before it was kept. */
  proof?: AuthenticationProof;
  /** The admin acting as the user, whose id the access tokens carry as `act.sub`. */
  actorId?: string | null;
}

/** Who the family is for, as its owner sees it in the list of signed-in apps. */
export interface FamilyClient {
  ip?: string | null;
  userAgent?: string | null;
  /** The admin acting as the user (impersonation). */
  actorId?: string | null;
  /** Ends the family earlier than the refresh-token lifetime (an impersonation's own end). */
  endsAt?: Date;
}

/** A live family as its owner sees it: never a token or its hash. */
export interface TokenFamilyView {
  id: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
  /** The admin who made it acting as the user, when one did. */
  actorId: string | null;
  current: boolean;
}

/** `lastUsedAt` is written at most this often per family. */
const LAST_USED_INTERVAL_MS = 60_000;

export type Rotation =
  | ({ ok: true } & IssuedRefreshToken)
  /** `revokedFamilyId` is set when the refusal was a reuse that ended the family. */
  | { ok: false; revokedFamilyId?: string; userId?: string };

/** Refresh-token families in the database: start at login, rotate on use, revoke, prune. */
@Injectable()
export class RefreshTokensService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RefreshTokensService.name);
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    @Inject(JWT_OPTIONS) private readonly options: ResolvedJwtOptions,
    @InjectRepository(RefreshTokenFamily) private readonly families: Repository<RefreshTokenFamily>,
    @InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>,
  ) {}

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
  }

  async startFamily(
    userId: string,
    proof: AuthenticationProof,
    client: FamilyClient = {},
  ): Promise<IssuedRefreshToken> {
    const now = new Date();
    const lifetimeEnd = now.getTime() + this.options.refreshTokenTtlSeconds * 1000;
    const family = {
      id: randomUUID(),
      userId,
      createdAt: now,
      expiresAt: new Date(Math.min(lifetimeEnd, client.endsAt?.getTime() ?? lifetimeEnd)),
      revokedAt: null,
      lastUsedAt: now,
      ip: client.ip?.slice(0, 64) ?? null,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      actorId: client.actorId ?? null,
      ...proofColumns(proof),
    };
    await this.families.insert(family);
    return {
      familyId: family.id,
      userId,
      refreshToken: await this.addToken(family.id, now),
      expiresAt: family.expiresAt,
      proof,
      actorId: family.actorId,
    };
  }

  /**
   * A re-authentication of a live family: the family keeps the new proof, its unspent refresh tokens
   * are spent and one new one is issued (the caller gets a new pair). Null when the family is not the
   * user's, or has ended.
   */
  async renewProof(familyId: string, userId: string, proof: AuthenticationProof): Promise<IssuedRefreshToken | null> {
    const now = new Date();
    const { affected } = await this.families.update(
      { id: familyId, userId, revokedAt: IsNull(), expiresAt: MoreThan(now) },
      proofColumns(proof),
    );
    if (affected !== 1) return null;
    await this.tokens.update({ familyId, spentAt: IsNull() }, { spentAt: now });
    const family = await this.families.findOneByOrFail({ id: familyId });
    return {
      familyId,
      userId,
      refreshToken: await this.addToken(familyId, now),
      expiresAt: family.expiresAt,
      proof,
      actorId: family.actorId,
    };
  }

  /** Spends the presented token and issues its successor in the same family, with the family's expiry. */
  async rotate(presented: string): Promise<Rotation> {
    const now = new Date();
    const token = await this.tokens.findOne({
      where: { tokenHash: sha256Hex(presented) },
      select: { id: true, familyId: true, spentAt: true },
    });
    if (!token) return { ok: false };
    const family = await this.families.findOneBy({ id: token.familyId });
    if (!family || family.revokedAt || family.expiresAt.getTime() <= now.getTime()) return { ok: false };

    // The conditional UPDATE is the lock: of concurrent requests spending one token, exactly one changes the row.
    const spent = await this.tokens.update({ id: token.id, spentAt: IsNull() }, { spentAt: now });
    if (spent.affected !== 1) {
      // Lost a race just now, or a replay: either way a second presentation (RFC 9700 §4.14.2).
      const spentAt = token.spentAt ?? now;
      if (now.getTime() - spentAt.getTime() < this.options.refreshReuseGraceSeconds * 1000) return { ok: false };
      await this.revokeFamily(family.id);
      return { ok: false, revokedFamilyId: family.id, userId: family.userId };
    }
    if (!family.lastUsedAt || now.getTime() - family.lastUsedAt.getTime() >= LAST_USED_INTERVAL_MS)
      await this.families.update({ id: family.id }, { lastUsedAt: now });
    return {
      ok: true,
      familyId: family.id,
      userId: family.userId,
      refreshToken: await this.addToken(family.id, now),
      expiresAt: family.expiresAt,
      proof: proofOf(family),
      actorId: family.actorId,
    };
  }

  /** The user's live families, most recently used first. */
  async list(userId: string, currentId?: string): Promise<TokenFamilyView[]> {
    const rows = await this.families.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
    });
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
      expiresAt: row.expiresAt,
      userAgent: row.userAgent,
      ip: row.ip,
      actorId: row.actorId,
      current: row.id === currentId,
    }));
  }

  /**
   * The live families an admin made acting as a user: all of one admin's, all made as one user, or
   * those past their end by `expiredBy`.
   */
  liveActing(
    by: { actorId: string } | { userId: string } | { expiredBy: Date },
  ): Promise<Array<{ id: string; userId: string; actorId: string }>> {
    const where: FindOptionsWhere<RefreshTokenFamily> = { actorId: Not(IsNull()), revokedAt: IsNull() };
    if ('actorId' in by) where.actorId = by.actorId;
    else if ('userId' in by) where.userId = by.userId;
    else where.expiresAt = LessThan(by.expiredBy);
    return this.families.find({ where, select: { id: true, userId: true, actorId: true } }) as Promise<
      Array<{ id: string; userId: string; actorId: string }>
    >;
  }

  /** Ends one live family of the user; false when it is not theirs or has ended already. */
  async revokeFamilyOf(userId: string, id: string): Promise<boolean> {
    const result = await this.families.update({ id, userId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return result.affected === 1;
  }

  /** The family of a presented refresh token and whose it is, or null for a token this app never issued. */
  async familyOf(presented: string): Promise<{ familyId: string; userId: string } | null> {
    const token = await this.tokens.findOne({
      where: { tokenHash: sha256Hex(presented) },
      select: { id: true, familyId: true },
    });
    if (!token) return null;
    const family = await this.families.findOne({ where: { id: token.familyId }, select: { id: true, userId: true } });
    return family && { familyId: family.id, userId: family.userId };
  }

  /**
   * True when this call ended the family (it was not revoked already, and had ended by `expiredBy`
   * when given); `manager`: in the change's transaction.
   */
  async revokeFamily(id: string, manager?: EntityManager, expiredBy?: Date): Promise<boolean> {
    const families = manager ? manager.withRepository(this.families) : this.families;
    const where: FindOptionsWhere<RefreshTokenFamily> = { id, revokedAt: IsNull() };
    if (expiredBy) where.expiresAt = LessThan(expiredBy);
    const result = await families.update(where, { revokedAt: new Date() });
    return result.affected === 1;
  }

  /** Ends every live family of the user; answers their ids, so each can be announced like any family revocation. */
  async revokeAllForUser(userId: string, at = new Date()): Promise<string[]> {
    const live = await this.families.find({ where: { userId, revokedAt: IsNull() }, select: { id: true } });
    const ids = live.map((family) => family.id);
    if (ids.length) await this.families.update({ id: In(ids), revokedAt: IsNull() }, { revokedAt: at });
    return ids;
  }

  async prune(now = Date.now()): Promise<void> {
    // Revocations stay as long as an access token issued before them could live; expired families go entirely.
    const forgetBefore = new Date(now - (this.options.accessTokenTtlSeconds + 60) * 1000);
    try {
      // A live family an admin made acting as a user goes once revoked, which records its end (JwtTokensService.pruneActing).
      await this.families.delete({ expiresAt: LessThan(new Date(now)), actorId: IsNull() });
      await this.families.delete({ expiresAt: LessThan(new Date(now)), revokedAt: Not(IsNull()) });
      await this.families.delete({ revokedAt: LessThan(forgetBefore) });
    } catch (error) {
      this.logger.warn(`Refresh-token pruning failed: ${String(error)}`);
    }
  }

  private async addToken(familyId: string, now: Date): Promise<string> {
    const value = randomToken(REFRESH_TOKEN_BYTES);
    await this.tokens.insert({
      id: randomUUID(),
      familyId,
      tokenHash: sha256Hex(value),
      createdAt: now,
      spentAt: null,
    });
    return value;
  }
}

function proofColumns(proof: AuthenticationProof): Pick<RefreshTokenFamily, 'authTime' | 'amr'> {
  return { authTime: new Date(proof.authTime * 1000), amr: proof.amr.join(',').slice(0, 64) };
}

function proofOf(family: RefreshTokenFamily): AuthenticationProof | undefined {
  if (!family.authTime) return undefined;
  return { authTime: Math.floor(family.authTime.getTime() / 1000), amr: family.amr ? family.amr.split(',') : [] };
}
