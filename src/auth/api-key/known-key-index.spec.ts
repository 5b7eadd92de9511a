import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KnownKeyIndex, lookupIdOf } from './known-key-index';

const someHash = () => createHash('sha256').update(randomBytes(32)).digest('hex');

describe('KnownKeyIndex', () => {
  it('finds every id it was given, through growth, by the full hash or by its lookup id', () => {
    const index = new KnownKeyIndex();
    const hashes = Array.from({ length: 50_000 }, someHash);
    for (const hash of hashes) index.add(hash);
    assert.equal(index.size, 50_000);
    for (const hash of hashes) assert.ok(index.has(hash) && index.has(lookupIdOf(hash)), hash);
    for (const hash of hashes.slice(0, 100)) index.add(lookupIdOf(hash));
    assert.equal(index.size, 50_000, 'an id added again is counted once');
  });

  it('finds none of the ids it was not given', () => {
    const index = new KnownKeyIndex();
    for (let n = 0; n < 10_000; n++) index.add(someHash());
    for (let n = 0; n < 10_000; n++) assert.equal(index.has(someHash()), false);
  });

  it('keeps ids whose words are zero, which mark empty slots', () => {
    const index = new KnownKeyIndex();
    const zeros = ['0'.repeat(64), `${'0'.repeat(8)}${'f'.repeat(56)}`, `${'f'.repeat(8)}${'0'.repeat(56)}`];
    for (const hash of zeros) assert.equal(index.has(hash), false);
    for (const hash of zeros) index.add(hash);
    for (const hash of zeros) assert.ok(index.has(hash), hash);
  });
});
