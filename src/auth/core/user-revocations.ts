import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { UserRevocation } from './user-revocation.entity';

/**
 * Ends, in one row per user, every credential issued before now: the access tokens that carry no
 * state of their own are refused by time (`revokedAt`), and logins that were under way are undone by
 * the epoch, which moves with every revocation (see `IdentifiedUser`). Rows are never pruned: one per
 * user, and an epoch that went back to 0 could let a login that read the old row through.
 */
@Injectable()
export class UserRevocations {
  constructor(@InjectRepository(UserRevocation) private readonly rows: Repository<UserRevocation>) {}

  /**
   * Counts a revocation of the user's credentials at `at`. Call it after the change that caused it
   * (a new password, the disabled flag) is stored, and before sweeping the user's credentials: a login
   * that read the old state then sees the epoch move, and one that did not is swept.
   */
  async revoke(userId: string, at = new Date()): Promise<Date> {
    const driver = this.rows.manager.connection.driver;
    // One statement on PostgreSQL and SQLite alike; the time never moves backwards, whatever the clocks of two instances say.
    const [sql, parameters] = driver.escapeQueryWithParameters(
      `INSERT INTO "auth_user_revocations" ("user_id", "epoch", "revoked_at") VALUES (:userId, 1, :at)
       ON CONFLICT ("user_id") DO UPDATE SET "epoch" = "auth_user_revocations"."epoch" + 1,
       "revoked_at" = CASE WHEN EXCLUDED."revoked_at" > "auth_user_revocations"."revoked_at"
         THEN EXCLUDED."revoked_at" ELSE "auth_user_revocations"."revoked_at" END`,
      { userId, at },
    );
    await this.rows.query(sql, parameters);
    return at;
  }

  of(userId: string): Promise<UserRevocation | null> {
    return this.rows.findOne({ where: { userId } });
  }

  async epochOf(userId: string): Promise<number> {
    const row = await this.rows.findOne({ where: { userId }, select: { userId: true, epoch: true } });
    return row?.epoch ?? 0;
  }

  /** Revocations after `time`, for an instance that loads or re-syncs what it must refuse. */
  since(time: Date): Promise<UserRevocation[]> {
    return this.rows.find({ where: { revokedAt: MoreThan(time) } });
  }
}
