import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchTotp, newTotpSecret, otpauthUrl, totpCode } from './totp';

/** Base32 of the ASCII seed "12345678901234567890", the SHA-1 key of RFC 6238 Appendix B. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** RFC 6238 Appendix B, SHA-1: time, and the 8-digit TOTP (6 digits are its last 6: RFC 4226 truncation mod 10^digits). */
const RFC_VECTORS: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it('gives the test vectors of RFC 6238 Appendix B (SHA-1), as 6 digits', () => {
    for (const [time, code] of RFC_VECTORS) assert.equal(totpCode(RFC_SECRET, time), code.slice(-6), `T = ${time}`);
  });

  it('accepts one 30-second step either way, not two', () => {
    const now = 1111111111;
    const step = Math.floor(now / 30);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now), null, now), step);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 30), null, now), step - 1);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 30), null, now), step + 1);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 60), null, now), null);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 60), null, now), null);
  });

  it('accepts a code once, and none of an earlier step once a later one was used', () => {
    const now = 1234567890;
    const step = Math.floor(now / 30);
    const code = totpCode(RFC_SECRET, now);
    assert.equal(matchTotp(RFC_SECRET, code, step, now), null);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 30), step, now), null);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 30), step, now), step + 1);
  });

  it('refuses what is not six digits', () => {
    const now = 2000000000;
    const code = totpCode(RFC_SECRET, now);
    for (const typed of [` ${code}`, `${code}0`, code.slice(1), 'abcdef', ''])
      assert.equal(matchTotp(RFC_SECRET, typed, null, now), null);
  });

  it('makes secrets of 160 random bits, base32, and an otpauth URI that names the parameters', () => {
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.notEqual(newTotpSecret(), secret);
    const url = new URL(otpauthUrl(secret, 'nest-auth', 'ada@example.com'));
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(url.searchParams.get('secret'), secret);
    assert.equal(url.searchParams.get('issuer'), 'nest-auth');
    assert.ok(['SHA1', null].includes(url.searchParams.get('algorithm')));
    assert.ok(['6', null].includes(url.searchParams.get('digits')));
    assert.ok(['30', null].includes(url.searchParams.get('period')));
  });
});
