import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const HEX = /^(?:[0-9a-f]{2})+$/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
// The salt the first keys (mfa.encryptionKeys) were derived with: kept, so that their ids (stored beside
// recovery codes) and the TOTP secrets sealed under them stay valid.
const SALT = 'nest-auth mfa';

/** A key of 32 or more random bytes, named by an id derived from it, from which each use derives a key of its own. */
export class EncryptionKey {
  /** 8 hex characters: names the key without revealing it, whatever order the keys are listed in. */
  readonly id: string;
  private readonly derived = new Map<string, Buffer>();

  private constructor(private readonly material: Buffer) {
    this.id = this.derive('key id').subarray(0, 4).toString('hex');
  }

  /** A key from its hex or base64 form; null unless it holds 32 or more bytes. Hex is tried first: a hex string is valid base64 too. */
  static parse(encoded: string): EncryptionKey | null {
    const value = encoded.trim();
    const bytes = HEX.test(value)
      ? Buffer.from(value, 'hex')
      : BASE64.test(value)
        ? Buffer.from(value, 'base64')
        : null;
    return bytes && bytes.length >= 32 ? new EncryptionKey(bytes) : null;
  }

  /** A 32-byte key for one use (HKDF-SHA256, the use as info), so that no key serves two purposes. */
  derive(use: string): Buffer {
    let key = this.derived.get(use);
    if (!key) this.derived.set(use, (key = Buffer.from(hkdfSync('sha256', this.material, SALT, use, 32))));
    return key;
  }
}

/** AES-256-GCM of `plaintext` as `iv | tag | ciphertext`, `context` as additional data. */
export function sealWith(key: Buffer, plaintext: string, context: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** The plaintext of `sealWith`; throws when the key or the context differ, or the data was altered. */
export function openWith(key: Buffer, data: Buffer, context: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(data.subarray(12, 28));
  return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
}

const VERSION = 'v1';
const ENVELOPE = /^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/;

/**
 * Values at rest under a list of keys: the first seals, every one opens, so a new key goes first and the
 * old one stays listed until nothing sealed under it is left. A sealed value is
 * `v1.<key id>.<base64url of iv | tag | ciphertext>` (AES-256-GCM), under the key `use` derives from it,
 * with an optional context (a user id) as additional data so that it does not open anywhere else.
 */
export class KeyRing {
  constructor(
    private readonly keys: EncryptionKey[],
    private readonly use: string,
  ) {
    if (!keys.length) throw new Error('KeyRing: no key');
  }

  /** Whether `value` has the form `seal` gives (so that values of an older form can be told apart). */
  static isEnvelope(value: string): boolean {
    return ENVELOPE.test(value);
  }

  seal(plaintext: string, context = ''): string {
    const key = this.keys[0];
    return `${VERSION}.${key.id}.${sealWith(key.derive(this.use), plaintext, context).toString('base64url')}`;
  }

  /** Throws when no listed key sealed it, or it was altered, or sealed with another context. */
  open(sealed: string, context = ''): string {
    const [version, keyId, payload] = sealed.split('.');
    const key = this.keys.find((candidate) => candidate.id === keyId);
    if (version !== VERSION || !key || !payload) throw new Error('Sealed under an unknown key');
    return openWith(key.derive(this.use), Buffer.from(payload, 'base64url'), context);
  }

  /** Whether it was sealed under a key other than the first (then it should be sealed again on its next use). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keys[0].id;
  }

  get currentKey(): EncryptionKey {
    return this.keys[0];
  }

  keyById(id: string): EncryptionKey | undefined {
    return this.keys.find((key) => key.id === id);
  }
}
