/** What every way to sign in checks before the funnel: one rule, whichever features are listed. */
export interface SignInPolicy {
  /** A user whose email is not verified gets 403 instead of a credential. */
  requireVerifiedEmail: boolean;
}

export const SIGN_IN_POLICY = Symbol('SIGN_IN_POLICY');
