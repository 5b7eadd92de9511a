/** The `reauthentication` options of AuthModule.forRoot: how fresh a proof of identity routes of `@Auth({ fresh })` ask for. */
export interface ReauthenticationOptions {
  /** Seconds after a sign-in or a re-authentication during which the caller counts as freshly authenticated. Default 600. */
  maxAgeSeconds?: number;
}

export interface ResolvedReauthenticationOptions {
  maxAgeSeconds: number;
}

export const REAUTHENTICATION_OPTIONS = Symbol('REAUTHENTICATION_OPTIONS');

export function resolveReauthenticationOptions(options: ReauthenticationOptions = {}): ResolvedReauthenticationOptions {
  const maxAgeSeconds = options.maxAgeSeconds ?? 600;
  if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 1 || maxAgeSeconds > 86_400) {
    throw new Error('AuthModule: reauthentication.maxAgeSeconds must be an integer from 1 to 86400');
  }
  return { maxAgeSeconds };
}
