import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from './crc32';

describe('crc32', () => {
  it('matches the standard check value and known vectors', () => {
    assert.equal(crc32('123456789'), 0xcbf43926);
    assert.equal(crc32(''), 0);
    assert.equal(crc32('a'), 0xe8b7be43);
    assert.equal(crc32('The quick brown fox jumps over the lazy dog'), 0x414fa339);
    assert.equal(crc32(new Uint8Array([0, 0, 0, 0])), 0x2144df1c);
  });

  it('hashes strings as UTF-8', () => {
    assert.equal(crc32('é'), crc32(Buffer.from('é', 'utf8')));
  });
});
