import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { EncryptionKey } from '../core/encryption-keys';
import { MailCipher } from './mail-cipher';

const key = () => EncryptionKey.parse(randomBytes(32).toString('hex'))!;

/** Sealed by the MailCipher of f9fdf56 (before the key ring), under the session secret below. */
const LEGACY_SECRET = 'legacy session secret of 32 chars!';
const LEGACY_SEALED =
  'L5jJ3JE/eggEFTQJx1KfO8sFq5TTIAT/w0UpVhNCjETUBAUY6Uw79oLuRymSXPMcPKdAN+INlw69DxbpPSJAMXdWKtKCFbPCRQ882H8PF7M2RQt687pWCav/3Y7DZN1T8Zpdqss4GABpbdc=';

describe('MailCipher', () => {
  it('opens what it sealed, names the key, and shows nothing of it at rest', () => {
    const k = key();
    const cipher = new MailCipher([k]);
    const sealed = cipher.seal({ link: 'https://x/verify?token=abc123' });
    assert.match(sealed, new RegExp(`^v1\\.${k.id}\\.[A-Za-z0-9_-]+$`));
    assert.ok(!Buffer.from(sealed.split('.')[2], 'base64url').toString('latin1').includes('abc123'));
    assert.deepEqual(cipher.open(sealed), { link: 'https://x/verify?token=abc123' });
  });

  it('refuses a payload sealed under a key no longer listed, or altered', () => {
    const [a, b] = [key(), key()];
    const sealed = new MailCipher([a]).seal({ x: 1 });
    assert.throws(() => new MailCipher([b]).open(sealed), /unknown key/);
    const [version, id, body] = sealed.split('.');
    const altered = Buffer.from(body, 'base64url');
    altered[altered.length - 1] ^= 1;
    assert.throws(() => new MailCipher([a]).open(`${version}.${id}.${altered.toString('base64url')}`));
  });

  it('after a rotation (new key first, old one still listed) opens what the old key sealed, and seals under the new one', () => {
    const [oldKey, newKey] = [key(), key()];
    const queued = new MailCipher([oldKey], ['session secret one, 32 characters']).seal({ to: 'ada@example.com' });
    const rotated = new MailCipher([newKey, oldKey], ['session secret two, 32 characters']);
    assert.deepEqual(rotated.open(queued), { to: 'ada@example.com' });
    assert.equal(rotated.seal({}).split('.')[1], newKey.id);
  });

  it('opens a mail queued before the key ring while its session secret is listed, in any place of the list', () => {
    const expected = { kind: 'verify', to: 'old@example.com', link: 'https://x/verify?token=abc123' };
    assert.deepEqual(
      new MailCipher([key()], ['a newer session secret, 32 chars', LEGACY_SECRET]).open(LEGACY_SEALED),
      expected,
    );
    assert.throws(
      () => new MailCipher([key()], ['a newer session secret, 32 chars']).open(LEGACY_SEALED),
      /unknown key/,
    );
  });
});
