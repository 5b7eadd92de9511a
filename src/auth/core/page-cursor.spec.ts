import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePageCursor, encodePageCursor } from './page-cursor';

const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('page cursors', () => {
  it('give back the time and id they were made of', () => {
    const at = new Date('2026-12-06T03:04:05.678Z');
    assert.deepEqual(decodePageCursor(encodePageCursor(at, 'a1b2')), { at, id: 'a1b2' });
  });

  it('refuse an id a database could not take, though the encoding hides it from the input checks', () => {
    for (const id of ['a\u0000b', 'tab\there', '', 'x'.repeat(65), 'é'])
      assert.equal(decodePageCursor(encoded(['2026-12-06T03:04:05.678Z', id])), null, JSON.stringify(id));
  });

  it('refuse any other text: garbage, other shapes, times this did not write', () => {
    for (const cursor of [
      '%%%',
      encoded({}),
      encoded(['2026-12-06', 'a']),
      encoded(['2026-12-06T03:04:05.678Z']),
      encoded([1, 'a']),
    ])
      assert.equal(decodePageCursor(cursor), null, cursor);
  });
});
