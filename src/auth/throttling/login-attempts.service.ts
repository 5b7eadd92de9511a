import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { sha256Hex } from '../core/secrets';
import { LockoutStore } from './lockout-policy';
import { TooManyRequestsException } from '../core/too-many-requests.exception';
import { normalizeEmail } from '../core/email-address';

export const LOCKOUT_STORE = Symbol('LOCKOUT_STORE');

/**
 * Per-account back-off after consecutive failed logins. Known and unknown emails are counted alike,
 * so the back-off reveals nothing; accounts are keyed by the SHA-256 of the email, never the email.
 */
@Injectable()
export class LoginAttempts {
  constructor(@Inject(LOCKOUT_STORE) private readonly store: LockoutStore) {}

  /** Throws 429 with the seconds left while the account is in back-off; otherwise counts the attempt as failed until `recordSuccess`. */
  async begin(email: string): Promise<void> {
    await this.beginFor(accountKey(email));
  }

  async recordSuccess(email: string): Promise<void> {
    await this.store.reset(accountKey(email));
  }

  /** A failure the account's back-off counts after the attempt was let through (a wrong second factor): it refuses nothing itself. */
  async recordFailure(email: string): Promise<void> {
    await this.store.begin(accountKey(email)).catch(() => undefined);
  }

  /**
   * The same back-off for a user's second-factor answers, counted apart from the email's: a correct
   * password resets the email's count, and must not give someone who knows it a fresh run of codes.
   */
  async beginSecondFactor(userId: string): Promise<void> {
    await this.beginFor(secondFactorKey(userId));
  }

  async recordSecondFactorSuccess(userId: string): Promise<void> {
    await this.store.reset(secondFactorKey(userId));
  }

  private async beginFor(key: string): Promise<void> {
    // With the counter unreachable, attempts are refused rather than let through uncounted.
    const msLeft = await this.store.begin(key).catch(() => {
      throw new ServiceUnavailableException('Service unavailable');
    });
    if (msLeft > 0) throw new TooManyRequestsException(Math.ceil(msLeft / 1000));
  }
}

function accountKey(email: string): string {
  return sha256Hex(normalizeEmail(email));
}

/** Never equal to an email's key: those are bare hex digests. */
function secondFactorKey(userId: string): string {
  return `second-factor:${sha256Hex(userId)}`;
}
