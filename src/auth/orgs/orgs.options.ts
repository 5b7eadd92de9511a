/** A pending invitation, for a host that delivers invitations itself (without the `email` feature). */
export interface InvitationToDeliver {
  orgId: string;
  organization: string;
  email: string;
  role: string;
  /** The link that accepts it; it holds the single-use token, so it goes to the invited address only. */
  link: string;
  expiresAt: Date;
}

export interface OrgsOptions {
  /**
   * A header that names the organization (`X-Org-Id`) for routes of `@Auth({ org })` whose path has no
   * such parameter; absent: only the route parameter names it.
   */
  header?: string;
  /** The link in an invitation mail, holding `{token}`; default: `<email.publicUrl>/account?invitation={token}`. */
  invitationUrl?: string;
  /** Invitations created per organization per hour, past which 429 (default 50). */
  invitationsPerHour?: number;
  /**
   * Delivers an invitation when the `email` feature is not listed (called in the invitation's
   * transaction: a throw undoes it). With `email` listed, invitations are mailed through its queue.
   */
  deliverInvitation?: (invitation: InvitationToDeliver) => Promise<void>;
}

export interface ResolvedOrgsOptions {
  header: string | null;
  invitationUrl: string;
  invitationsPerHour: number;
  deliverInvitation: ((invitation: InvitationToDeliver) => Promise<void>) | null;
}

export const ORGS_OPTIONS = Symbol('ORGS_OPTIONS');
/** Invitations are good for 7 days (API.md). */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function resolveOrgsOptions(
  options: OrgsOptions | undefined,
  emailPublicUrl: string | undefined,
): ResolvedOrgsOptions {
  const header = options?.header?.trim().toLowerCase() || null;
  if (header !== null && !/^[a-z0-9-]{1,64}$/.test(header))
    throw new Error('AuthModule: orgs.header must be an HTTP header name');
  const invitationUrl =
    options?.invitationUrl ??
    (emailPublicUrl ? `${emailPublicUrl.replace(/\/+$/, '')}/account?invitation={token}` : undefined);
  if (!invitationUrl || !/^https?:\/\/[^\s]+$/.test(invitationUrl) || !invitationUrl.includes('{token}'))
    throw new Error('AuthModule: orgs.invitationUrl (an http(s) URL holding {token}) or email.publicUrl is required');
  const invitationsPerHour = options?.invitationsPerHour ?? 50;
  if (!Number.isInteger(invitationsPerHour) || invitationsPerHour < 1)
    throw new Error('AuthModule: orgs.invitationsPerHour must be a positive integer');
  const deliverInvitation = options?.deliverInvitation ?? null;
  if (deliverInvitation !== null && typeof deliverInvitation !== 'function')
    throw new Error('AuthModule: orgs.deliverInvitation must be a function');
  return { header, invitationUrl, invitationsPerHour, deliverInvitation };
}
