import { normalizeEmail } from '../core/email-address';

/** What AuthModule.forRoot takes for the users' lifecycle. */
export interface AccountsOptions {
  /** Created with role `admin` at start when both are set and the email is not registered yet. */
  bootstrapAdmin?: { email: string; password: string };
}

export const ACCOUNTS_OPTIONS = Symbol('ACCOUNTS_OPTIONS');

export function resolveAccountsOptions(options: AccountsOptions): AccountsOptions {
  const admin = options.bootstrapAdmin;
  if (
    admin &&
    (typeof admin.email !== 'string' ||
      typeof admin.password !== 'string' ||
      admin.password.length < 12 ||
      admin.password.length > 128)
  ) {
    throw new Error('AuthModule: bootstrapAdmin needs an email and a password of 12 to 128 characters');
  }
  return { bootstrapAdmin: admin && { email: normalizeEmail(admin.email), password: admin.password } };
}
