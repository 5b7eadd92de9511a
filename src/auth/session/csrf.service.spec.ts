import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveSessionOptions } from './session.options';
import { CsrfService } from './csrf.service';

const secretA = 'a'.repeat(32);
const secretB = 'b'.repeat(32);

describe('CsrfService', () => {
  const csrf = new CsrfService(resolveSessionOptions({ secrets: [secretA] }));

  it('accepts the token of the same session only', () => {
    const token = csrf.tokenFor('session-1');
    assert.ok(csrf.verify('session-1', token));
    assert.ok(!csrf.verify('session-2', token));
  });

  it('refuses missing, empty and oversized tokens', () => {
    assert.ok(!csrf.verify('session-1', undefined));
    assert.ok(!csrf.verify('session-1', ''));
    assert.ok(!csrf.verify('session-1', 'x'.repeat(1000)));
    assert.ok(!csrf.verify(undefined, csrf.tokenFor('session-1')));
  });

  it('still accepts tokens signed with a previous secret after rotation', () => {
    const before = csrf.tokenFor('s');
    const rotated = new CsrfService(resolveSessionOptions({ secrets: [secretB, secretA] }));
    assert.ok(rotated.verify('s', before));
    assert.notEqual(rotated.tokenFor('s'), before);
  });
});
