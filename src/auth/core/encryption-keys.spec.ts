import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { EncryptionKey, KeyRing } from './encryption-keys';

const key = () => EncryptionKey.parse(randomBytes(32).toString('base64'))!;

describe('KeyRing', () => {
  it('seals under the first key, with its id, bound to the use and the context', () => {
    const [first, second] = [key(), key()];
    const ring = new KeyRing([first, second], 'mail queue');
    const sealed = ring.seal('plain text', 'user-1');
    assert.equal(sealed.split('.')[1], first.id);
    assert.ok(KeyRing.isEnvelope(sealed));
    assert.equal(ring.open(sealed, 'user-1'), 'plain text');
    assert.throws(() => ring.open(sealed, 'user-2'));
    // The same listed key, another use: another derived key.
    assert.throws(() => new KeyRing([first], 'totp secrets').open(sealed, 'user-1'));
  });

  it('opens under any listed key, marks what an older key sealed as stale, and refuses an unlisted key', () => {
    const [oldKey, newKey] = [key(), key()];
    const sealed = new KeyRing([oldKey], 'x').seal('v');
    const rotated = new KeyRing([newKey, oldKey], 'x');
    assert.equal(rotated.open(sealed), 'v');
    assert.equal(rotated.isStale(sealed), true);
    assert.equal(rotated.isStale(rotated.seal('v')), false);
    assert.throws(() => new KeyRing([newKey], 'x').open(sealed), /unknown key/);
    assert.throws(() => new KeyRing([], 'x'), /no key/);
  });

  it('keeps the ids and keys of mfa.encryptionKeys from before it (recovery code rows store the id)', () => {
    // Made by the MfaCipher of f9fdf56: its key id, recovery-code key and a TOTP secret it sealed for user-1.
    const k = EncryptionKey.parse('00'.repeat(32))!;
    assert.equal(k.id, '915881ff');
    assert.equal(
      k.derive('recovery codes').toString('hex'),
      '284965bd9db62ed4d93de0da5c0f12fa08005bd46259e340dca91524e6439869',
    );
    const sealed = 'v1.915881ff.PVyinJsjbOg13DUtP63O86AZhQ6KxKPl30Z5hCmc69smlPS1LsJhfcokFj4';
    assert.equal(new KeyRing([k], 'totp secrets').open(sealed, 'user-1'), 'JBSWY3DPEHPK3PXP');
  });
});
