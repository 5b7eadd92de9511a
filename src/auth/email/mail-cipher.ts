import { hkdfSync } from 'node:crypto';
import { EncryptionKey, KeyRing, openWith } from '../core/encryption-keys';

/**
 * Queued mails at rest (their links carry tokens), sealed by the key ring under `email.encryptionKeys`
 * (by default `mfa.encryptionKeys`), so that rotating the session secret leaves them readable.
 */
export class MailCipher {
  private readonly ring: KeyRing;
  private readonly legacyKeys: Buffer[];

  /** `legacySecrets`: the session secrets, which mails queued before the key ring were sealed under. */
  constructor(keys: EncryptionKey[], legacySecrets: string[] = []) {
    this.ring = new KeyRing(keys, 'mail queue');
    this.legacyKeys = legacySecrets.map((secret) =>
      Buffer.from(hkdfSync('sha256', secret, 'nest-auth', 'mail queue', 32)),
    );
  }

  seal(value: unknown): string {
    return this.ring.seal(JSON.stringify(value));
  }

  /** Throws when the payload was sealed under a key no longer listed, or altered. */
  open<T>(sealed: string): T {
    if (KeyRing.isEnvelope(sealed)) return JSON.parse(this.ring.open(sealed)) as T;
    // Before the key ring: base64 of iv | tag | ciphertext under a key derived from a session secret.
    const data = Buffer.from(sealed, 'base64');
    for (const key of this.legacyKeys) {
      try {
        return JSON.parse(openWith(key, data, '')) as T;
      } catch {
        // Another secret of the list may have sealed it.
      }
    }
    throw new Error('Queued mail sealed under an unknown key');
  }
}
