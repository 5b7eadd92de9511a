import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** One key of `mfa.encryptionKeys`, with the id its ciphertexts and hashes carry so that keys can be rotated. */
export interface MfaKey {
  /** 8 hex characters derived from the key: names it without revealing it, whatever order the keys are listed in. */
  id: string;
  /** AES-256-GCM key for TOTP secrets. */
  sealing: Buffer;
  /** HMAC-SHA-256 key for recovery codes. */
  hashing: Buffer;
}

const HEX = /^(?:[0-9a-f]{2})+$/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** A key from its hex or base64 form; null unless it holds 32 or more bytes. Hex is tried first: a hex string is valid base64 too. */
export function parseMfaKey(encoded: string): MfaKey | null {
  const value = encoded.trim();
  const bytes = HEX.test(value) ? Buffer.from(value, 'hex') : BASE64.test(value) ? Buffer.from(value, 'base64') : null;
  if (!bytes || bytes.length < 32) return null;
  // Separate keys per use, so that the cipher key is never also an HMAC key.
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', bytes, 'nest-auth mfa', info, 32));
  return { id: derive('key id').subarray(0, 4).toString('hex'), sealing: derive('totp secrets'), hashing: derive('recovery codes') };
}

const VERSION = 'v1';

/**
 * TOTP secrets at rest: AES-256-GCM, `v1.<key id>.<base64url of iv | tag | ciphertext>`, with the
 * user id as additional data so that a sealed secret copied to another user's row does not open.
 */
export class MfaCipher {
  constructor(private readonly keys: MfaKey[]) {}

  seal(plaintext: string, userId: string): string {
    const key = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.sealing, iv);
    cipher.setAAD(Buffer.from(userId, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${key.id}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** Throws when no listed key sealed it, or it was altered or moved to another user. */
  open(sealed: string, userId: string): string {
    const [version, keyId, payload] = sealed.split('.');
    const key = this.keys.find((candidate) => candidate.id === keyId);
    if (version !== VERSION || !key || !payload) throw new Error('TOTP secret sealed under an unknown key');
    const data = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key.sealing, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(userId, 'utf8'));
    decipher.setAuthTag(data.subarray(12, 28));
    return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** Whether it was sealed under a key other than the first (then it is sealed again on its next use). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keys[0].id;
  }

  /** The id of the key new recovery codes are hashed under. */
  get currentKeyId(): string {
    return this.keys[0].id;
  }

  /** HMAC-SHA-256 of a recovery code under the key `keyId` names, bound to the user; null when that key is no longer listed. */
  hashCode(code: string, userId: string, keyId = this.keys[0].id): string | null {
    const key = this.keys.find((candidate) => candidate.id === keyId);
    return key ? createHmac('sha256', key.hashing).update(`${userId}\u0000${code}`).digest('hex') : null;
  }
}
