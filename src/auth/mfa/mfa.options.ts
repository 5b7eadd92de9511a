import { parseMfaKey, MfaKey } from './mfa-cipher';

/** The `mfa` options of AuthModule.forRoot: the keys that encrypt TOTP secrets at rest, and what authenticator apps show. */
export interface MfaOptions {
  /**
   * Keys of 32 or more random bytes, each as hex or base64. The first encrypts; every one decrypts, so a
   * new key goes first and the old one stays listed until every secret sealed under it has been
   * re-encrypted (each is, the next time its owner uses a code). Required.
   */
  encryptionKeys: string[];
  /** The issuer authenticator apps show beside the account (default `nest-auth`). */
  issuer?: string;
}

export interface ResolvedMfaOptions {
  /** The first encrypts; all decrypt. */
  keys: MfaKey[];
  issuer: string;
}

export const MFA_OPTIONS = Symbol('MFA_OPTIONS');

export function resolveMfaOptions(options: MfaOptions | undefined): ResolvedMfaOptions {
  const encoded = options?.encryptionKeys ?? [];
  if (!encoded.length) throw new Error('AuthModule: mfa.encryptionKeys is required (32+ random bytes, hex or base64)');
  const keys = encoded.map((value) => {
    const key = parseMfaKey(value);
    if (!key) throw new Error('AuthModule: each of mfa.encryptionKeys must be 32 or more bytes, as hex or base64');
    return key;
  });
  if (new Set(keys.map((key) => key.id)).size !== keys.length)
    throw new Error('AuthModule: mfa.encryptionKeys lists a key twice');
  const issuer = options?.issuer ?? 'nest-auth';
  if (!/^[^:\s][^:]{0,99}$/.test(issuer))
    throw new Error('AuthModule: mfa.issuer must be 1 to 100 characters without a colon');
  return { keys, issuer };
}
