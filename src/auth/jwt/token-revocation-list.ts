import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { RevocationBus, RevocationEvent } from '../core/revocation-bus';
import { UserRevocations } from '../core/user-revocations';
import { AccessTokenClaims } from './access-token-claims';
import { JWT_OPTIONS, ResolvedJwtOptions } from './jwt.options';
import { RefreshTokenFamily } from './refresh-token-family.entity';

declare module '../core/revocation-bus' {
  interface RevocationEvents {
    /** A refresh-token family ended: its refresh tokens and access tokens stop working. */
    family: { id: string };
  }
}

const FORGET_INTERVAL_MS = 60_000;
/** Margin on top of the token lifetime for clock skew between instances. */
const MARGIN_MS = 60_000;

/**
 * Which access tokens are revoked before their expiry, answered from memory so that a request does
 * no I/O: revoked families and per-user cut-off times, loaded from the database at start and kept
 * current by the revocation bus. An entry older than the token lifetime can no longer match a live
 * token and is forgotten.
 */
@Injectable()
export class TokenRevocationList implements OnModuleInit, OnModuleDestroy {
  private readonly revokedFamilies = new Map<string, number>();
  /** Epoch ms per user; tokens issued in that second or before are refused. */
  private readonly userCutoffs = new Map<string, number>();
  private readonly windowMs: number;
  private forgetTimer?: NodeJS.Timeout;

  constructor(
    @Inject(JWT_OPTIONS) options: ResolvedJwtOptions,
    private readonly bus: RevocationBus,
    private readonly userRevocations: UserRevocations,
    @InjectRepository(RefreshTokenFamily) private readonly families: Repository<RefreshTokenFamily>,
  ) {
    this.windowMs = options.accessTokenTtlSeconds * 1000 + MARGIN_MS;
    bus.keepAtLeast(this.windowMs);
  }

  async onModuleInit(): Promise<void> {
    // Subscribed before loading, so an event during the load is not lost.
    this.bus.subscribe((event) => this.apply(event));
    await this.load();
    this.forgetTimer = setInterval(() => this.forgetOld(), FORGET_INTERVAL_MS);
    this.forgetTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.forgetTimer);
  }

  /** Whether the in-memory list holds every revocation up to a second ago (see RevocationBus). */
  isCurrent(): boolean {
    return this.bus.isCurrent();
  }

  /** The database's answer, for an instance that may have missed a revocation: the family, then the user's cut-off. */
  async isRevokedInStore(claims: AccessTokenClaims): Promise<boolean> {
    const [family, user] = await Promise.all([
      this.families.findOne({ where: { id: claims.sid }, select: { id: true, revokedAt: true } }),
      this.userRevocations.of(claims.sub),
    ]);
    if (!family || family.revokedAt) return true;
    return !!user && claims.iat <= Math.floor(user.revokedAt.getTime() / 1000);
  }

  isRevoked(claims: AccessTokenClaims): boolean {
    if (this.revokedFamilies.has(claims.sid)) return true;
    const cutoff = this.userCutoffs.get(claims.sub);
    return cutoff !== undefined && claims.iat <= Math.floor(cutoff / 1000);
  }

  /**
   * The `iat` for a token issued now: `iat` has whole seconds, and a token of the cut-off's own second
   * is refused, so a token issued right after a revocation is dated into the next second.
   */
  issuedAtFor(userId: string, nowMs = Date.now()): number {
    const now = Math.floor(nowMs / 1000);
    const cutoff = this.userCutoffs.get(userId);
    return cutoff === undefined ? now : Math.max(now, Math.floor(cutoff / 1000) + 1);
  }

  private apply(event: RevocationEvent): void {
    if (event.type === 'family') this.revokedFamilies.set(event.id, Date.now());
    else if (event.type === 'user') this.raiseCutoff(event.id, event.at);
  }

  private raiseCutoff(userId: string, at: number): void {
    const current = this.userCutoffs.get(userId);
    if (current === undefined || at > current) this.userCutoffs.set(userId, at);
  }

  /** Everything revoked recently enough that a token it refuses could still be live. */
  async load(): Promise<void> {
    const since = new Date(Date.now() - this.windowMs);
    const [families, users] = await Promise.all([
      this.families.find({ where: { revokedAt: MoreThan(since) }, select: { id: true, revokedAt: true } }),
      this.userRevocations.since(since),
    ]);
    for (const family of families) this.revokedFamilies.set(family.id, (family.revokedAt as Date).getTime());
    for (const user of users) this.raiseCutoff(user.userId, user.revokedAt.getTime());
    // A deleted user's revocation row went with the user: the log still tells of it.
    for (const event of await this.bus.recent(since)) this.apply(event);
  }

  private forgetOld(now = Date.now()): void {
    for (const [id, at] of this.revokedFamilies) if (now - at > this.windowMs) this.revokedFamilies.delete(id);
    for (const [id, at] of this.userCutoffs) if (now - at > this.windowMs) this.userCutoffs.delete(id);
  }
}
