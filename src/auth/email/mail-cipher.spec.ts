import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MailCipher } from './mail-cipher';

describe('MailCipher', () => {
  it('opens what it sealed, and shows nothing of it at rest', () => {
    const cipher = new MailCipher('s'.repeat(32));
    const sealed = cipher.seal({ link: 'https://x/verify?token=abc123' });
    assert.ok(!Buffer.from(sealed, 'base64').toString('latin1').includes('abc123'));
    assert.deepEqual(cipher.open(sealed), { link: 'https://x/verify?token=abc123' });
  });

  it('refuses a payload sealed under another secret, or altered', () => {
    const sealed = new MailCipher('a'.repeat(32)).seal({ x: 1 });
    assert.throws(() => new MailCipher('b'.repeat(32)).open(sealed));
    const altered = Buffer.from(sealed, 'base64');
    altered[altered.length - 1] ^= 1;
    assert.throws(() => new MailCipher('a'.repeat(32)).open(altered.toString('base64')));
  });
});
