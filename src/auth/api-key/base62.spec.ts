import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BASE62_ALPHABET, encodeBase62, randomBase62 } from './base62';

describe('base62', () => {
  it('encodes with zero padding to a fixed width', () => {
    assert.equal(encodeBase62(0, 6), '000000');
    assert.equal(encodeBase62(61, 2), '0z');
    assert.equal(encodeBase62(62, 2), '10');
    assert.equal(encodeBase62(0xffffffff, 6), '4gfFC3');
  });

  it('refuses values that do not fit', () => {
    assert.throws(() => encodeBase62(62 ** 2, 2), RangeError);
    assert.throws(() => encodeBase62(-1, 6), RangeError);
  });

  it('draws random strings of the requested length from the alphabet, using all of it', () => {
    const sample = randomBase62(20_000);
    assert.equal(sample.length, 20_000);
    assert.match(sample, /^[0-9A-Za-z]+$/);
    assert.equal(new Set(sample).size, BASE62_ALPHABET.length);
    assert.notEqual(randomBase62(32), randomBase62(32));
  });
});
