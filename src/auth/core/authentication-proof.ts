/**
 * When and how a caller last proved who it is: what sessions keep and access tokens carry as
 * `auth_time` and `amr`, and what routes of `@Auth({ fresh })` check.
 */
export interface AuthenticationProof {
  /** Epoch seconds of the proof. */
  authTime: number;
  /** RFC 8176 values: `pwd`, `otp`, `hwk`, `user`, `fed`, and `mfa` when the proof held two factors. */
  amr: string[];
}

/** The `amr` value that says a proof held more than one factor (RFC 8176 §2). */
export const MULTIPLE_FACTORS = 'mfa';

export function proofNow(amr: string[], now = Date.now()): AuthenticationProof {
  return { authTime: Math.floor(now / 1000), amr: [...new Set(amr)] };
}
