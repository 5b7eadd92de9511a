import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnknownKeyBudget } from './unknown-key-budget';

describe('UnknownKeyBudget', () => {
  it('holds an IP back after its budget of misses, until the minute ends, and no other IP', () => {
    const budget = new UnknownKeyBudget(3);
    const now = 1_000_000;
    for (let i = 0; i < 2; i++) budget.recordMiss('1.1.1.1', now);
    assert.equal(budget.anyBlocked(now), false);
    assert.equal(budget.retryAfter('1.1.1.1', now), 0);
    budget.recordMiss('1.1.1.1', now);
    assert.equal(budget.anyBlocked(now), true);
    assert.equal(budget.retryAfter('1.1.1.1', now + 1_000), 59);
    assert.equal(budget.retryAfter('2.2.2.2', now), 0);
    assert.equal(budget.retryAfter('1.1.1.1', now + 60_000), 0);
    assert.equal(budget.anyBlocked(now + 60_000), false);
  });

  it('stays bounded whatever the number of addresses', () => {
    const budget = new UnknownKeyBudget(3, 100);
    for (let i = 0; i < 10_000; i++) budget.recordMiss(`10.0.${i >> 8}.${i & 255}`, 0);
    assert.ok((budget as unknown as { windows: Map<string, unknown> }).windows.size <= 100);
  });
});
