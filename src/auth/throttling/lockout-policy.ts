import { ResolvedLockoutOptions } from './throttling.options';

/**
 * Failures are forgotten a day after the last attempt's back-off ends, not sooner: forgetting them
 * after minutes would let a patient attacker restart at the short back-offs.
 */
export const FAILURES_FORGOTTEN_AFTER_MS = 24 * 60 * 60 * 1000;

/** Back-off in milliseconds after this many consecutive failures: none below the threshold, then doubling up to the maximum. */
export function backoffMs(failures: number, options: ResolvedLockoutOptions): number {
  if (failures < options.threshold) return 0;
  const doublings = Math.min(failures - options.threshold, 30);
  return Math.min(options.baseSeconds * 2 ** doublings, options.maxSeconds) * 1000;
}

/**
 * Keeps the consecutive failures of accounts. `begin` counts an attempt as failed before the password
 * is checked and `reset` clears it on success, so parallel guesses cannot all slip in under the threshold.
 */
export interface LockoutStore {
  /** 0 when the attempt may go ahead (and is now counted), otherwise the milliseconds of back-off left. */
  begin(accountKey: string): Promise<number>;
  reset(accountKey: string): Promise<void>;
}
