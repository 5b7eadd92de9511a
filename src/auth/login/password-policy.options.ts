/** The `passwords` options: what a new password is checked against beyond its length. */
export interface PasswordPolicyOptions {
  /**
   * Also refuse passwords that Have I Been Pwned's Pwned Passwords has seen in a breach, by its range
   * API (k-anonymity: only the first 5 hex digits of the password's SHA-1 leave the process). When the
   * service cannot answer, the password is accepted and a line is logged. Off by default.
   */
  breachCheck?: {
    /** The range endpoint; the 5-digit prefix is appended (default `https://api.pwnedpasswords.com/range/`). */
    rangeUrl?: string;
    /** How long to wait for an answer (default 3000). */
    timeoutMs?: number;
  };
}

export interface ResolvedPasswordPolicyOptions {
  breachCheck: { rangeUrl: string; timeoutMs: number } | null;
}

export const PASSWORD_POLICY_OPTIONS = Symbol('PASSWORD_POLICY_OPTIONS');

export function resolvePasswordPolicyOptions(options: PasswordPolicyOptions = {}): ResolvedPasswordPolicyOptions {
  const check = options.breachCheck;
  if (!check) return { breachCheck: null };
  const rangeUrl = check.rangeUrl ?? 'https://api.pwnedpasswords.com/range/';
  if (!/^https?:\/\/\S+$/.test(rangeUrl))
    throw new Error('AuthModule: passwords.breachCheck.rangeUrl must be an http(s) URL');
  const timeoutMs = check.timeoutMs ?? 3000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new Error('AuthModule: passwords.breachCheck.timeoutMs must be a positive integer');
  return { breachCheck: { rangeUrl, timeoutMs } };
}
