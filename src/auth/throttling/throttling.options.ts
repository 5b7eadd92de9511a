/** The `throttle` options: requests per client IP to the register, login and token routes. */
export interface AuthThrottleOptions {
  limit?: number;
  ttlSeconds?: number;
}

/** The `lockout` options: back-off per account after consecutive failed logins. */
export interface LockoutOptions {
  /** Consecutive failures of one email before its back-off starts. */
  threshold?: number;
  /** The first back-off; it doubles with every further failure. */
  baseSeconds?: number;
  /** The longest back-off. */
  maxSeconds?: number;
}

export type ResolvedAuthThrottleOptions = Required<AuthThrottleOptions>;
export type ResolvedLockoutOptions = Required<LockoutOptions>;

export const THROTTLE_OPTIONS = Symbol('THROTTLE_OPTIONS');
export const LOCKOUT_OPTIONS = Symbol('LOCKOUT_OPTIONS');

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`AuthModule: ${name} must be a positive integer`);
  return value;
}

export function resolveThrottleOptions(options: AuthThrottleOptions = {}): ResolvedAuthThrottleOptions {
  return {
    limit: positiveInteger(options.limit ?? 10, 'throttle.limit'),
    ttlSeconds: positiveInteger(options.ttlSeconds ?? 60, 'throttle.ttlSeconds'),
  };
}

export function resolveLockoutOptions(options: LockoutOptions = {}): ResolvedLockoutOptions {
  const baseSeconds = positiveInteger(options.baseSeconds ?? 60, 'lockout.baseSeconds');
  const maxSeconds = positiveInteger(options.maxSeconds ?? 900, 'lockout.maxSeconds');
  if (maxSeconds < baseSeconds) throw new Error('AuthModule: lockout.maxSeconds must be at least lockout.baseSeconds');
  return { threshold: positiveInteger(options.threshold ?? 5, 'lockout.threshold'), baseSeconds, maxSeconds };
}
