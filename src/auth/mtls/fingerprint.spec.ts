import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeFingerprint } from './fingerprint';

const HEX = 'A1'.repeat(32);
const PAIRS = Array(32).fill('A1').join(':');

describe('normalizeFingerprint', () => {
  it('takes 64 uppercase hex digits, in colon-separated pairs or not, and stores them without colons', () => {
    assert.equal(normalizeFingerprint(HEX), HEX);
    assert.equal(normalizeFingerprint(PAIRS), HEX);
  });

  it('refuses lowercase, other lengths, misplaced colons, SHA-1 fingerprints and anything else', () => {
    for (const input of [
      HEX.toLowerCase(),
      HEX.slice(2),
      `${HEX}A1`,
      `${PAIRS}:`,
      `:${PAIRS}`,
      PAIRS.replace(':', ''),
      Array(20).fill('A1').join(':'),
      `${HEX.slice(0, 63)}G`,
      '',
      ` ${HEX}`,
    ]) {
      assert.equal(normalizeFingerprint(input), null, input);
    }
  });
});
