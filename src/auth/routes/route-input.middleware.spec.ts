import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_INPUT_DEPTH, unacceptableInput } from './route-input.middleware';

describe('unacceptableInput', () => {
  it('takes ordinary JSON bodies and queries', () => {
    assert.equal(
      unacceptableInput({ email: 'ada@example.com', scopes: ['reports:read'], n: 1, ok: true, none: null }),
      null,
    );
    assert.equal(unacceptableInput({ name: 'Zoë 👩‍💻 名前' }), null);
    assert.equal(unacceptableInput(undefined), null);
  });

  it('refuses nesting past the bound, however deep, without recursing', () => {
    let shallow: unknown = 'x';
    for (let i = 0; i < MAX_INPUT_DEPTH; i++) shallow = [shallow];
    assert.equal(unacceptableInput(shallow), null);
    assert.match(unacceptableInput([shallow]) ?? '', /nested too deeply/);
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.match(unacceptableInput(deep) ?? '', /nested too deeply/);
  });

  it('refuses NUL and unpaired surrogates in values and in keys, and takes paired ones', () => {
    for (const text of ['a\u0000b', '\uD800', 'x\uDC00', '\uDBFFz', '\uDC00\uD800']) {
      assert.match(
        unacceptableInput({ email: text }) ?? '',
        /NUL characters or unpaired surrogates/,
        JSON.stringify(text),
      );
      assert.match(unacceptableInput({ [text]: 'x' }) ?? '', /NUL/, JSON.stringify(text));
    }
    assert.equal(unacceptableInput({ emoji: '\uD83D\uDE00' }), null);
  });
});
