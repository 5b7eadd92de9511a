import { createHmac } from 'node:crypto';
import { EncryptionKey, KeyRing } from '../core/encryption-keys';

/** One key of `mfa.encryptionKeys`; its id is carried by the ciphertexts and hashes made under it, so that keys can be rotated. */
export type MfaKey = EncryptionKey;

/** A key from its hex or base64 form; null unless it holds 32 or more bytes. */
export const parseMfaKey = (encoded: string): MfaKey | null => EncryptionKey.parse(encoded);

/**
 * TOTP secrets at rest, sealed by the key ring (AES-256-GCM, `v1.<key id>.<…>`) with the user id as
 * additional data so that a sealed secret copied to another user's row does not open; recovery codes as
 * HMAC-SHA-256 under a key of their own derived from the same listed key.
 */
export class MfaCipher {
  private readonly ring: KeyRing;

  constructor(keys: MfaKey[]) {
    this.ring = new KeyRing(keys, 'totp secrets');
  }

  seal(plaintext: string, userId: string): string {
    return this.ring.seal(plaintext, userId);
  }

  /** Throws when no listed key sealed it, or it was altered or moved to another user. */
  open(sealed: string, userId: string): string {
    return this.ring.open(sealed, userId);
  }

  /** Whether it was sealed under a key other than the first (then it is sealed again on its next use). */
  isStale(sealed: string): boolean {
    return this.ring.isStale(sealed);
  }

  /** The id of the key new recovery codes are hashed under. */
  get currentKeyId(): string {
    return this.ring.currentKey.id;
  }

  /** HMAC-SHA-256 of a recovery code under the key `keyId` names, bound to the user; null when that key is no longer listed. */
  hashCode(code: string, userId: string, keyId = this.currentKeyId): string | null {
    const key = this.ring.keyById(keyId);
    return key
      ? createHmac('sha256', key.derive('recovery codes')).update(`${userId}\u0000${code}`).digest('hex')
      : null;
  }
}
