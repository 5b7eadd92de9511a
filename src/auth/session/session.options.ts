/** The `session` options of AuthModule.forRoot. Durations are in seconds. */
export interface SessionOptions {
  /** Cookie signing secrets: the first signs, all verify (rotation). At least 32 characters each. */
  secrets: string[];
  /** A session unused this long ends (default 1800). */
  idleTimeoutSeconds?: number;
  /** A session ends this long after its login, used or not (default 43200). */
  absoluteTimeoutSeconds?: number;
  /** Force the `Secure` flag and `__Host-` cookie name; when unset, decided per request by whether it came over HTTPS. */
  secureCookies?: boolean;
  /** At most this many live sessions per user: a new sign-in past it ends the least recently used one (default: no cap). */
  maxPerUser?: number;
}

export interface ResolvedSessionOptions {
  secrets: string[];
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
  secureCookies?: boolean;
  maxPerUser?: number;
}

export const SESSION_OPTIONS = Symbol('SESSION_OPTIONS');

export function resolveSessionOptions(options: SessionOptions | undefined): ResolvedSessionOptions {
  if (!options?.secrets?.length || options.secrets.some((s) => typeof s !== 'string' || s.length < 32)) {
    throw new Error('AuthModule: session.secrets must hold at least one secret of 32 or more characters');
  }
  const resolved = {
    secrets: [...options.secrets],
    idleTimeoutSeconds: options.idleTimeoutSeconds ?? 1800,
    absoluteTimeoutSeconds: options.absoluteTimeoutSeconds ?? 43200,
    secureCookies: options.secureCookies,
    maxPerUser: options.maxPerUser,
  };
  if (resolved.maxPerUser !== undefined && (!Number.isInteger(resolved.maxPerUser) || resolved.maxPerUser < 1))
    throw new Error('AuthModule: session.maxPerUser must be a positive integer');
  for (const name of ['idleTimeoutSeconds', 'absoluteTimeoutSeconds'] as const) {
    if (!Number.isInteger(resolved[name]) || resolved[name] < 1)
      throw new Error(`AuthModule: session.${name} must be a positive integer`);
  }
  return resolved;
}
