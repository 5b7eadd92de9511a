import { backoffMs, FAILURES_FORGOTTEN_AFTER_MS, LockoutStore } from './lockout-policy';
import { ResolvedLockoutOptions } from './throttling.options';

interface AccountFailures {
  failures: number;
  lockedUntil: number;
  forgetAt: number;
}

/** Embedded mode: failures in process memory, at most `maxAccounts`, the least recently tried dropped first. */
export class MemoryLockoutStore implements LockoutStore {
  private readonly accounts = new Map<string, AccountFailures>();

  constructor(
    private readonly options: ResolvedLockoutOptions,
    private readonly maxAccounts = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.accounts.size;
  }

  async begin(accountKey: string): Promise<number> {
    const now = this.now();
    let account = this.accounts.get(accountKey);
    if (account && account.forgetAt <= now) account = undefined;
    if (account && account.lockedUntil > now) return account.lockedUntil - now;

    const failures = (account?.failures ?? 0) + 1;
    const lockedUntil = now + backoffMs(failures, this.options);
    // Re-inserted so that Map order is least recently tried first.
    this.accounts.delete(accountKey);
    this.accounts.set(accountKey, { failures, lockedUntil, forgetAt: lockedUntil + FAILURES_FORGOTTEN_AFTER_MS });
    if (this.accounts.size > this.maxAccounts) this.accounts.delete(this.accounts.keys().next().value as string);
    return 0;
  }

  async reset(accountKey: string): Promise<void> {
    this.accounts.delete(accountKey);
  }
}
