import { isIP } from 'node:net';

/** The `passkeys` part of AuthModuleOptions: the WebAuthn relying party. Without it, the passkey routes answer 404. */
export interface PasskeyOptions {
  /** The relying party id: the domain passkeys are bound to, e.g. `example.com` (browsers refuse IP addresses). */
  rpId: string;
  /** The name authenticators show beside the passkey (default `nest-auth`). */
  rpName?: string;
  /**
   * Every origin ceremonies may come from, e.g. `https://example.com`; each must be on `rpId` or one of
   * its subdomains, and `https` unless its host is `localhost` (browsers allow WebAuthn only in a secure context).
   */
  origins: string[];
}

export interface ResolvedPasskeyOptions {
  /** False when no relying party is configured: every passkey route answers 404. */
  enabled: boolean;
  rpId: string;
  rpName: string;
  origins: string[];
  /** How long a ceremony's challenge may be answered (5 minutes, API.md), also the timeout handed to the browser. */
  challengeTtlSeconds: number;
}

export const PASSKEY_OPTIONS = Symbol('PASSKEY_OPTIONS');

export const CHALLENGE_TTL_SECONDS = 300;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

function checkedOrigin(raw: string, rpId: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`AuthModule: passkeys.origins: ${raw} is not an origin`);
  }
  if (url.origin !== raw.replace(/\/+$/, ''))
    throw new Error(`AuthModule: passkeys.origins: ${raw} must be an origin (scheme, host and port only)`);
  const host = url.hostname;
  if (host !== rpId && !host.endsWith(`.${rpId}`))
    throw new Error(`AuthModule: passkeys.origins: ${raw} is not on ${rpId} or a subdomain of it`);
  const local = host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new Error(`AuthModule: passkeys.origins: ${raw} must be https (http only for localhost)`);
  }
  return url.origin;
}

export function resolvePasskeyOptions(options?: PasskeyOptions): ResolvedPasskeyOptions {
  const disabled = { enabled: false, rpId: '', rpName: '', origins: [], challengeTtlSeconds: CHALLENGE_TTL_SECONDS };
  if (!options) return disabled;
  const rpId = options.rpId?.trim().toLowerCase();
  if (!rpId || isIP(rpId) || !DOMAIN.test(rpId))
    throw new Error('AuthModule: passkeys.rpId must be a domain name (browsers refuse IP addresses)');
  if (!Array.isArray(options.origins) || !options.origins.length)
    throw new Error('AuthModule: passkeys.origins must name at least one origin');
  const rpName = options.rpName ?? 'nest-auth';
  if (typeof rpName !== 'string' || !rpName.trim() || rpName.length > 100)
    throw new Error('AuthModule: passkeys.rpName must be 1 to 100 characters');
  return {
    enabled: true,
    rpId,
    rpName,
    origins: [...new Set(options.origins.map((origin) => checkedOrigin(origin, rpId)))],
    challengeTtlSeconds: CHALLENGE_TTL_SECONDS,
  };
}
