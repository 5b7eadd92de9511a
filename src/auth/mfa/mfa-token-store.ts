/** What an `mfaToken` stands for: the user a first factor identified, and the epoch read before it. */
export interface PendingSecondStep {
  userId: string;
  epoch: number;
  /** The first factor, for the audit trail. */
  method: string;
}

/** Wrong answers an `mfaToken` survives; the next one kills it (API.md). */
export const MFA_TOKEN_MAX_FAILURES = 5;
export const MFA_TOKEN_TTL_SECONDS = 300;

/**
 * Live `mfaToken`s, keyed by the SHA-256 of the token (the token itself is never stored): in Redis
 * when the module has it (every instance sees them), else in the database.
 */
export interface MfaTokenStore {
  create(tokenHash: string, pending: PendingSecondStep, ttlSeconds: number): Promise<void>;
  /** The pending step while the token is live (not spent, not expired, not dead); spends nothing. */
  peek(tokenHash: string): Promise<PendingSecondStep | null>;
  /** Spends a live token: of concurrent calls for one token, exactly one gets it. */
  spend(tokenHash: string): Promise<PendingSecondStep | null>;
  /** Counts a wrong answer; the token dies at MFA_TOKEN_MAX_FAILURES. */
  fail(tokenHash: string): Promise<void>;
}

export const MFA_TOKEN_STORE = Symbol('MFA_TOKEN_STORE');
