/** What each mail is for. */
export type MailKind =
  | 'verify_email'
  | 'password_reset'
  | 'confirm_email_change'
  | 'email_change_requested'
  | 'email_changed'
  | 'password_changed'
  | 'sign_in_changed'
  | 'org_invitation'
  | 'impersonation_started';

/** The changes to how a user signs in that a `sign_in_changed` notice tells them of (the audit event types). */
export const SIGN_IN_CHANGES = [
  'mfa.totp_enabled',
  'mfa.totp_disabled',
  'mfa.recovery_codes_generated',
  'passkey.registered',
  'passkey.removed',
  'identity.linked',
  'identity.unlinked',
  'api_key.created',
  'service_certificate.registered',
] as const;
export type SignInChange = (typeof SIGN_IN_CHANGES)[number];

export interface MailParams {
  appName: string;
  /** The address the mail goes to. */
  email: string;
  /** The one-time link, for the mails that carry one. */
  link?: string;
  /** The address an email change goes to, for the mails about it. */
  newEmail?: string;
  /** Hours until the link expires, rounded. */
  validForHours?: number;
  /** What changed, for `sign_in_changed`. */
  change?: SignInChange;
  /** The OpenID provider of an identity linked or unlinked. */
  provider?: string;
  /** Minutes an admin's impersonation lasts, and why, for `impersonation_started`. */
  minutes?: number;
  reason?: string;
  /** The page that lists the user's ways to sign in, where one is ended; absent when the app has none. */
  accountUrl?: string;
  /** The organization and the role an invitation is for, for `org_invitation`. */
  organization?: string;
  role?: string;
}

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** One function per kind; pass your own through `email.templates` to replace any of them. */
export type MailTemplates = Record<MailKind, (params: MailParams) => MailContent>;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

function mail(subject: string, paragraphs: string[], link?: { label: string; url: string }): MailContent {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : [])].join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">',
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`] : []),
    '</body></html>',
  ].join('\n');
  return { subject, text: `${text}\n`, html };
}

const validity = (hours: number | undefined) =>
  hours === undefined ? '' : ` The link works once and expires in ${hours} hour${hours === 1 ? '' : 's'}.`;
const notYou = 'If this was not you, change your password now and tell your administrator.';
const pendingChangeNotYou =
  'If this was not you, change your password or sign out everywhere: either cancels the change. Then tell your administrator.';

/**
 * What to do when a change was not the user's: what ends an addition (a new password does not end a
 * passkey, a key or a link), or what undoes a removal.
 */
const CHANGE_ADVICE: Record<SignInChange, string> = {
  'mfa.totp_enabled':
    'If this was not you, reset your password by mail, which ends every sign-in, and tell your administrator.',
  'mfa.totp_disabled': notYou,
  'mfa.recovery_codes_generated': notYou,
  'passkey.registered':
    'If this was not you, remove the passkey in the list of ways to sign in on your account page, then change your password: a new password alone does not remove it.',
  'passkey.removed': notYou,
  'identity.linked':
    'If this was not you, unlink it in the list of ways to sign in on your account page, then change your password: a new password alone does not unlink it.',
  'identity.unlinked': notYou,
  'api_key.created':
    'If this was not you, revoke the key in the list of API keys on your account page, then change your password: a new password alone does not revoke it.',
  'service_certificate.registered':
    'If this was not expected, ask your administrator to revoke the certificate binding: neither a new password nor signing out everywhere ends it.',
};

const accountLink = (p: MailParams) =>
  p.accountUrl ? { label: 'Review your ways to sign in', url: p.accountUrl } : undefined;

const CHANGE_SENTENCES: Record<SignInChange, (p: MailParams) => string> = {
  'mfa.totp_enabled': () => 'Two-factor authentication with an authenticator app was turned on',
  'mfa.totp_disabled': () => 'Two-factor authentication was turned off',
  'mfa.recovery_codes_generated': () => 'New recovery codes were made, and the earlier ones no longer work',
  'passkey.registered': () => 'A passkey was added',
  'passkey.removed': () => 'A passkey was removed',
  'identity.linked': (p) => `Signing in with ${p.provider ?? 'another provider'} was linked`,
  'identity.unlinked': (p) => `Signing in with ${p.provider ?? 'another provider'} was unlinked`,
  'api_key.created': () => 'An API key was created',
  'service_certificate.registered': () => 'A client certificate was bound',
};

export const DEFAULT_MAIL_TEMPLATES: MailTemplates = {
  verify_email: (p) =>
    mail(
      `Confirm your email for ${p.appName}`,
      [`Confirm that ${p.email} is your address for ${p.appName}.${validity(p.validForHours)}`],
      {
        label: 'Confirm your email',
        url: p.link as string,
      },
    ),
  password_reset: (p) =>
    mail(
      `Reset your ${p.appName} password`,
      [
        `Someone asked to reset the password of ${p.email} for ${p.appName}.${validity(p.validForHours)}`,
        'If it was not you, ignore this mail: nothing changes.',
      ],
      { label: 'Choose a new password', url: p.link as string },
    ),
  confirm_email_change: (p) =>
    mail(
      `Confirm your new email for ${p.appName}`,
      [`Confirm ${p.email} as the new address of your ${p.appName} account.${validity(p.validForHours)}`],
      {
        label: 'Confirm the new address',
        url: p.link as string,
      },
    ),
  email_change_requested: (p) =>
    mail(
      `A change of your ${p.appName} email was asked for`,
      [
        `Someone signed in to your ${p.appName} account asked to move it from ${p.email} to ${p.newEmail}. It changes only once the new address is confirmed.`,
        pendingChangeNotYou,
      ],
      accountLink(p),
    ),
  email_changed: (p) =>
    mail(
      `Your ${p.appName} email was changed`,
      [
        `Your ${p.appName} account now uses ${p.newEmail} instead of ${p.email}, and was signed out everywhere.`,
        notYou,
      ],
      accountLink(p),
    ),
  password_changed: (p) =>
    mail(
      `Your ${p.appName} password was changed`,
      [`The password of ${p.email} for ${p.appName} was just changed, and other sign-ins were ended.`, notYou],
      accountLink(p),
    ),
  sign_in_changed: (p) =>
    mail(
      `How you sign in to ${p.appName} changed`,
      [
        `${p.change ? CHANGE_SENTENCES[p.change](p) : 'A way to sign in was changed'} on the ${p.appName} account of ${p.email}.`,
        p.change ? CHANGE_ADVICE[p.change] : notYou,
      ],
      accountLink(p),
    ),
  org_invitation: (p) =>
    mail(
      `You are invited to ${p.organization} on ${p.appName}`,
      [
        `You are invited to join ${p.organization} on ${p.appName} as ${p.role}. Sign in as ${p.email} (a verified address) to accept.${validity(p.validForHours)}`,
        'If you did not expect this, ignore this mail: nothing changes.',
      ],
      { label: 'Accept the invitation', url: p.link as string },
    ),
  impersonation_started: (p) =>
    mail(
      `An administrator is acting as you on ${p.appName}`,
      [
        `An administrator of ${p.appName} started acting as ${p.email} for up to ${p.minutes ?? 15} minutes, to see what you see.`,
        ...(p.reason ? [`The reason they gave: ${p.reason}`] : []),
        'They cannot change your password, address, second factors or keys while doing so. You can see it in your list of sessions.',
      ],
      accountLink(p),
    ),
};
