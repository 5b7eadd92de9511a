import { IsNull, LessThan, LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { MfaChallenge } from './mfa-challenge.entity';
import { MFA_TOKEN_MAX_FAILURES, MfaTokenStore, PendingSecondStep } from './mfa-token-store';

/** Embedded mode: one row per token; conditional UPDATEs are the locks. */
export class SqlMfaTokenStore implements MfaTokenStore {
  constructor(private readonly rows: Repository<MfaChallenge>) {}

  async create(tokenHash: string, pending: PendingSecondStep, ttlSeconds: number): Promise<void> {
    const now = new Date();
    // Expired rows go as new ones come: the table holds only what a few minutes of logins left.
    await this.rows.delete({ expiresAt: LessThanOrEqual(now) });
    await this.rows.insert({
      tokenHash,
      ...pending,
      failures: 0,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      spentAt: null,
    });
  }

  async peek(tokenHash: string): Promise<PendingSecondStep | null> {
    const row = await this.rows.findOne({ where: this.live(tokenHash) });
    return row ? { userId: row.userId, epoch: row.epoch, method: row.method } : null;
  }

  async spend(tokenHash: string): Promise<PendingSecondStep | null> {
    const { affected } = await this.rows.update(this.live(tokenHash), { spentAt: new Date() });
    if (affected !== 1) return null;
    const row = await this.rows.findOne({ where: { tokenHash } });
    return row ? { userId: row.userId, epoch: row.epoch, method: row.method } : null;
  }

  async fail(tokenHash: string): Promise<void> {
    await this.rows.increment({ tokenHash, spentAt: IsNull() }, 'failures', 1);
  }

  private live(tokenHash: string) {
    return {
      tokenHash,
      spentAt: IsNull(),
      failures: LessThan(MFA_TOKEN_MAX_FAILURES),
      expiresAt: MoreThan(new Date()),
    };
  }
}
