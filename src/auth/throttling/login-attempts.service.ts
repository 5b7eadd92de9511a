import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { sha256Hex } from '../core/secrets';
import { LockoutStore } from './lockout-policy';
import { TooManyRequestsException } from '../core/too-many-requests.exception';

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
    // With the counter unreachable, attempts are refused rather than let through uncounted.
    const msLeft = await this.store.begin(accountKey(email)).catch(() => {
      throw new ServiceUnavailableException('Service unavailable');
    });
    if (msLeft > 0) throw new TooManyRequestsException(Math.ceil(msLeft / 1000));
  }

  async recordSuccess(email: string): Promise<void> {
    await this.store.reset(accountKey(email));
  }
}

function accountKey(email: string): string {
  return sha256Hex(email.trim().toLowerCase());
}
