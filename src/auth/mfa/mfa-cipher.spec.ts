import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { MfaCipher, parseMfaKey } from './mfa-cipher';
import { resolveMfaOptions } from './mfa.options';
import { newRecoveryCodes, normalizeRecoveryCode, RECOVERY_ALPHABET } from './recovery-codes';

const key = () => parseMfaKey(randomBytes(32).toString('hex'))!;

describe('MfaCipher', () => {
  it('reads keys of 32+ bytes as hex or base64, and nothing shorter', () => {
    const bytes = randomBytes(32);
    assert.equal(parseMfaKey(bytes.toString('hex'))!.id, parseMfaKey(bytes.toString('base64'))!.id);
    assert.equal(parseMfaKey(bytes.toString('base64url'))!.id, parseMfaKey(bytes.toString('base64'))!.id);
    assert.equal(parseMfaKey(randomBytes(31).toString('hex')), null);
    assert.equal(parseMfaKey(randomBytes(31).toString('base64')), null);
    assert.equal(parseMfaKey('not a key at all, not base64!'), null);
    assert.throws(() => resolveMfaOptions({ encryptionKeys: [] }), /required/);
    assert.throws(() => resolveMfaOptions(undefined), /required/);
    const hex = bytes.toString('hex');
    assert.throws(() => resolveMfaOptions({ encryptionKeys: [hex, bytes.toString('base64')] }), /twice/);
  });

  it('seals with AES-256-GCM under the first key, bound to the user', () => {
    const cipher = new MfaCipher([key()]);
    const sealed = cipher.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'user-1');
    assert.match(sealed, /^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes('JBSWY3DP'));
    assert.notEqual(cipher.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'user-1'), sealed);
    assert.equal(cipher.open(sealed, 'user-1'), 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    assert.throws(() => cipher.open(sealed, 'user-2'));
    const body = Buffer.from(sealed.split('.')[2], 'base64url');
    body[body.length - 1] ^= 1;
    assert.throws(() =>
      cipher.open(`${sealed.split('.').slice(0, 2).join('.')}.${body.toString('base64url')}`, 'user-1'),
    );
  });

  it('rotates: a new first key seals, the old one still opens and is marked stale, an unlisted one does not open', () => {
    const [oldKey, newKey] = [key(), key()];
    const sealedOld = new MfaCipher([oldKey]).seal('secret', 'u');
    const rotated = new MfaCipher([newKey, oldKey]);
    assert.equal(rotated.open(sealedOld, 'u'), 'secret');
    assert.equal(rotated.isStale(sealedOld), true);
    assert.equal(rotated.isStale(rotated.seal('secret', 'u')), false);
    assert.throws(() => new MfaCipher([newKey]).open(sealedOld, 'u'), /unknown key/);
  });

  it('hashes recovery codes under a named key, per user', () => {
    const [oldKey, newKey] = [key(), key()];
    const old = new MfaCipher([oldKey]);
    const rotated = new MfaCipher([newKey, oldKey]);
    const hash = old.hashCode('ABCDEFGHJKMN', 'u')!;
    assert.equal(rotated.hashCode('ABCDEFGHJKMN', 'u', oldKey.id), hash);
    assert.notEqual(rotated.hashCode('ABCDEFGHJKMN', 'u'), hash);
    assert.notEqual(old.hashCode('ABCDEFGHJKMN', 'v'), hash);
    assert.equal(new MfaCipher([newKey]).hashCode('ABCDEFGHJKMN', 'u', oldKey.id), null);
  });
});

describe('recovery codes', () => {
  it('are 10 distinct codes of 24 characters (over 112 bits) of an unambiguous alphabet', () => {
    const codes = newRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) {
      assert.match(code, /^[^-]{4}(-[^-]{4}){5}$/);
      for (const char of code.replace(/-/g, '')) assert.ok(RECOVERY_ALPHABET.includes(char));
    }
    for (const ambiguous of '01ILOU') assert.ok(!RECOVERY_ALPHABET.includes(ambiguous));
  });

  it('are read back whatever the case, spaces and dashes', () => {
    const [code] = newRecoveryCodes(1);
    const bare = code.replace(/-/g, '');
    assert.equal(normalizeRecoveryCode(code), bare);
    assert.equal(normalizeRecoveryCode(` ${code.toLowerCase().replace(/-/g, ' ')} `), bare);
    assert.equal(normalizeRecoveryCode(bare.slice(1)), null);
    assert.equal(normalizeRecoveryCode(`${bare.slice(1)}0`), null);
  });
});
