/** The `impersonation` options of AuthModule.forRoot. */
export interface ImpersonationOptions {
  /** Send the user a notice mail when an admin starts acting as them (default true; needs the email feature). */
  notifyUser?: boolean;
  /** Minutes an impersonation lasts when the admin names none (default 15). */
  defaultMinutes?: number;
  /** The longest an admin may ask for (default 60). */
  maxMinutes?: number;
}

export interface ResolvedImpersonationOptions {
  notifyUser: boolean;
  defaultMinutes: number;
  maxMinutes: number;
}

export const IMPERSONATION_OPTIONS = Symbol('IMPERSONATION_OPTIONS');

export function resolveImpersonationOptions(options: ImpersonationOptions | undefined): ResolvedImpersonationOptions {
  const resolved = {
    notifyUser: options?.notifyUser ?? true,
    defaultMinutes: options?.defaultMinutes ?? 15,
    maxMinutes: options?.maxMinutes ?? 60,
  };
  for (const name of ['defaultMinutes', 'maxMinutes'] as const) {
    if (!Number.isInteger(resolved[name]) || resolved[name] < 1 || resolved[name] > 24 * 60)
      throw new Error(`AuthModule: impersonation.${name} must be an integer from 1 to 1440`);
  }
  if (resolved.defaultMinutes > resolved.maxMinutes)
    throw new Error('AuthModule: impersonation.defaultMinutes must not exceed maxMinutes');
  return resolved;
}
