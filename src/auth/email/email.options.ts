import { isAbsolute } from 'node:path';
import { EncryptionKey } from '../core/encryption-keys';
import type { MailTemplates } from './mail-templates';

/** The `email` options of AuthModule.forRoot: where mails go, what their links point at, and how long they hold. Durations in seconds. */
export interface EmailOptions {
  /** `smtp://user:pass@host:587` or `smtps://…`. */
  smtpUrl?: string;
  /** Without `smtpUrl`: every mail is written to this folder as an `.eml` file (development). One of the two is required. */
  outboxDir?: string;
  /** Sender of every mail (default `nest-auth <no-reply@localhost>`). */
  from?: string;
  /** Named in the mails (default `nest-auth`). */
  appName?: string;
  /** The origin users reach the app at; the default links are built on it. */
  publicUrl?: string;
  /** Link of verification and email-change mails, `{token}` replaced (default `<publicUrl>/<routes prefix>/email/verify?token={token}`, under Nest's global prefix). */
  verifyUrl?: string;
  /** Link of reset mails (default `<publicUrl>/account/reset-password?token={token}`, under Nest's global prefix). */
  resetUrl?: string;
  /** The page listing a user's ways to sign in, named by notices as where to end one (default `<publicUrl>/account`; none without either). */
  accountUrl?: string;
  verifyTtlSeconds?: number;
  resetTtlSeconds?: number;
  /** A correct password for an unverified email gets 403 instead of a session or tokens (default false). */
  requireVerified?: boolean;
  /** Mails of one kind to one address per hour, shared by every instance with Redis (default 3). */
  mailsPerHour?: number;
  /** Replaces the built-in mail templates, kind by kind. */
  templates?: Partial<MailTemplates>;
  /**
   * Keys of 32+ random bytes (hex or base64) that encrypt queued mails at rest: the first encrypts, every
   * one decrypts (list a new key first, drop the old one once the queue has drained: hours at most).
   * Default: `mfa.encryptionKeys`.
   */
  encryptionKeys?: string[];
}

export interface ResolvedEmailOptions {
  smtpUrl?: string;
  outboxDir?: string;
  from: string;
  appName: string;
  verifyUrl: MailLink;
  resetUrl: MailLink;
  accountUrl: MailLink | null;
  verifyTtlSeconds: number;
  resetTtlSeconds: number;
  requireVerified: boolean;
  mailsPerHour: number;
  templates: Partial<MailTemplates>;
  /** Encrypt queued mails at rest (their links carry tokens): the first seals, all open. */
  queueKeys: EncryptionKey[];
  /** The session secrets: mails queued by a version before the key ring were sealed under the first of them. */
  legacyQueueSecrets: string[];
}

export const EMAIL_OPTIONS = Symbol('EMAIL_OPTIONS');

/**
 * A link of the mails: the host's own URL, or by default a route of this app under `publicUrl`, whose
 * path (Nest's global prefix, the routes prefix) is known only once the app is mounted.
 */
export type MailLink =
  { url: string } | { publicUrl: string; route: { api: string } | { page: string }; query: string };

const positive = (value: number, name: string) => {
  if (!Number.isInteger(value) || value < 1) throw new Error(`AuthModule: email.${name} must be a positive integer`);
  return value;
};

function linkTemplate(
  explicit: string | undefined,
  publicUrl: string | undefined,
  route: { api: string } | { page: string },
  name: string,
): MailLink {
  if (explicit === undefined) {
    if (!publicUrl) throw new Error(`AuthModule: email.${name} or email.publicUrl is required`);
    return { publicUrl: publicUrl.replace(/\/+$/, ''), route, query: '?token={token}' };
  }
  if (!/^https?:\/\/[^\s]+$/.test(explicit) || !explicit.includes('{token}')) {
    throw new Error(`AuthModule: email.${name} must be an http(s) URL holding {token}`);
  }
  return { url: explicit };
}

function queueKeys(encoded: string[]): EncryptionKey[] {
  const keys = encoded.map((value) => {
    const key = EncryptionKey.parse(value);
    if (!key) throw new Error('AuthModule: each of email.encryptionKeys must be 32 or more bytes, as hex or base64');
    return key;
  });
  if (!keys.length)
    throw new Error(
      'AuthModule: mfa.encryptionKeys is required (it encrypts queued mails too, unless email.encryptionKeys is given)',
    );
  if (new Set(keys.map((key) => key.id)).size !== keys.length)
    throw new Error('AuthModule: email.encryptionKeys lists a key twice');
  return keys;
}

/** `defaultKeys`: `mfa.encryptionKeys`; `sessionSecrets`: what queued mails were sealed under before the key ring. */
export function resolveEmailOptions(
  options: EmailOptions = {},
  defaultKeys: string[] = [],
  sessionSecrets: string[] = [],
): ResolvedEmailOptions {
  if (!options.smtpUrl && !options.outboxDir)
    throw new Error('AuthModule: email.smtpUrl or email.outboxDir is required');
  if (options.smtpUrl && !/^smtps?:\/\/[^\s]+$/.test(options.smtpUrl))
    throw new Error('AuthModule: email.smtpUrl must start with smtp:// or smtps://');
  if (options.outboxDir && !isAbsolute(options.outboxDir))
    throw new Error('AuthModule: email.outboxDir must be an absolute path');
  return {
    smtpUrl: options.smtpUrl,
    outboxDir: options.smtpUrl ? undefined : options.outboxDir,
    from: options.from ?? 'nest-auth <no-reply@localhost>',
    appName: options.appName ?? 'nest-auth',
    verifyUrl: linkTemplate(options.verifyUrl, options.publicUrl, { api: 'email/verify' }, 'verifyUrl'),
    resetUrl: linkTemplate(options.resetUrl, options.publicUrl, { page: 'account/reset-password' }, 'resetUrl'),
    accountUrl: options.accountUrl
      ? { url: options.accountUrl }
      : options.publicUrl
        ? { publicUrl: options.publicUrl.replace(/\/+$/, ''), route: { page: 'account' }, query: '' }
        : null,
    verifyTtlSeconds: positive(options.verifyTtlSeconds ?? 86_400, 'verifyTtlSeconds'),
    resetTtlSeconds: positive(options.resetTtlSeconds ?? 1_800, 'resetTtlSeconds'),
    requireVerified: options.requireVerified ?? false,
    mailsPerHour: positive(options.mailsPerHour ?? 3, 'mailsPerHour'),
    templates: options.templates ?? {},
    queueKeys: queueKeys(options.encryptionKeys ?? defaultKeys),
    legacyQueueSecrets: sessionSecrets,
  };
}
