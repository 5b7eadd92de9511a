import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEmail } from './email-address';

describe('normalizeEmail', () => {
  it('folds full-width and other compatibility forms, case and surrounding space into one address', () => {
    assert.equal(normalizeEmail('ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ'), 'ada@example.com');
    assert.equal(normalizeEmail('  Ada@Example.COM\u3000'), 'ada@example.com');
    assert.equal(normalizeEmail('ﬁnn@example.com'), 'finn@example.com');
    assert.equal(normalizeEmail('ÅSA@example.com'), normalizeEmail('A\u030asa@example.com'));
  });

  it('is idempotent', () => {
    for (const email of ['İstanbul@example.com', 'ＫＥＬＶＩＮ\u212a@example.com', 'ada@example.com']) {
      assert.equal(normalizeEmail(normalizeEmail(email)), normalizeEmail(email));
    }
  });
});
