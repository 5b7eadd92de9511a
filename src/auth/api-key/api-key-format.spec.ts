import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { ApiKeyFormat } from './api-key-format';
import { encodeBase62 } from './base62';

/** Generated with the hand-written CRC-32 this module used before zlib.crc32. */
const KEYS_BEFORE_ZLIB = [
  'sk_kCAFn2EMQ3nlTEZcR1aZ26o2CLh0KwN24JE51w',
  'live_n37sEVfB0zaZLa6QL5US79MUmSL7TG4U42wvDN',
  'acme_YVUtBir1omtBgQ1Bao5G3kYtrsxl9jEb3Vd4RB',
];
const flip = (c: string) => (c === 'A' ? 'B' : 'A');

describe('ApiKeyFormat', () => {
  it('generates <prefix>_<32 base62><6 base62 CRC-32 of the random part>', () => {
    const key = ApiKeyFormat.generate('sk');
    assert.match(key, /^sk_[0-9A-Za-z]{38}$/);
    const random = key.slice(3, 35);
    assert.equal(key.slice(35), encodeBase62(crc32(random), 6));
    assert.ok(ApiKeyFormat.isWellFormed(key));
  });

  it('keeps the checksum of keys issued with the hand-written CRC-32 (IEEE 802.3) it replaced', () => {
    // The standard check values, and keys generated before the switch to zlib.crc32: they must stay well-formed.
    assert.equal(crc32('123456789'), 0xcbf43926);
    assert.equal(crc32('The quick brown fox jumps over the lazy dog'), 0x414fa339);
    assert.equal(crc32(new Uint8Array([0, 0, 0, 0])), 0x2144df1c);
    for (const key of KEYS_BEFORE_ZLIB) assert.ok(ApiKeyFormat.isWellFormed(key), key);
  });

  it('uses the configured prefix and shows the first 12 characters', () => {
    const key = ApiKeyFormat.generate('acme');
    assert.ok(key.startsWith('acme_'));
    assert.equal(ApiKeyFormat.displayPrefix(key), key.slice(0, 12));
    assert.throws(() => ApiKeyFormat.generate('bad_prefix'));
    assert.throws(() => ApiKeyFormat.generate(''));
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => ApiKeyFormat.generate('sk')));
    assert.equal(keys.size, 1000);
  });

  it('refuses any single changed character, in the random part or the checksum', () => {
    const key = ApiKeyFormat.generate('sk');
    for (let i = 3; i < key.length; i++) {
      const changed = key.slice(0, i) + flip(key[i]) + key.slice(i + 1);
      assert.equal(ApiKeyFormat.isWellFormed(changed), false, `position ${i}`);
    }
  });

  it('refuses whitespace, case changes, truncation, extension and non-strings', () => {
    const key = ApiKeyFormat.generate('sk');
    const lower = key.toLowerCase();
    for (const bad of [
      `${key} `,
      ` ${key}`,
      `${key}\n`,
      key.slice(0, -1),
      `${key}A`,
      key.replace('_', '-'),
      '',
      'sk_',
      `sk_${'0'.repeat(38)}`,
    ]) {
      assert.equal(ApiKeyFormat.isWellFormed(bad), false, JSON.stringify(bad));
    }
    if (lower !== key) assert.equal(ApiKeyFormat.isWellFormed(lower), false);
    for (const bad of [undefined, null, 42, ['sk'], { key }]) assert.equal(ApiKeyFormat.isWellFormed(bad), false);
  });

  it('accepts well-formed keys of another prefix, so changing the prefix keeps older keys working', () => {
    assert.ok(ApiKeyFormat.isWellFormed(ApiKeyFormat.generate('live')));
  });
});
