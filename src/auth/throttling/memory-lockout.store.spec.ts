import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILURES_FORGOTTEN_AFTER_MS } from './lockout-policy';
import { MemoryLockoutStore } from './memory-lockout.store';

const options = { threshold: 3, baseSeconds: 1, maxSeconds: 4 };

function storeWithClock(maxAccounts = 100) {
  const clock = { now: 1_000_000 };
  return { clock, store: new MemoryLockoutStore(options, maxAccounts, () => clock.now) };
}

describe('MemoryLockoutStore', () => {
  it('lets attempts through up to the threshold, then backs off from the base, doubling up to the maximum', async () => {
    const { clock, store } = storeWithClock();
    for (let i = 0; i < 3; i++) assert.equal(await store.begin('a'), 0);
    for (const backoff of [1000, 2000, 4000, 4000]) {
      assert.equal(await store.begin('a'), backoff);
      clock.now += backoff - 1;
      assert.equal(await store.begin('a'), 1);
      clock.now += 1;
      assert.equal(await store.begin('a'), 0);
    }
  });

  it('starts afresh after a reset', async () => {
    const { store } = storeWithClock();
    for (let i = 0; i < 3; i++) await store.begin('a');
    await store.reset('a');
    for (let i = 0; i < 3; i++) assert.equal(await store.begin('a'), 0);
    assert.equal(await store.begin('a'), 1000);
  });

  it('counts parallel attempts before any of them ends, so they cannot all slip under the threshold', async () => {
    const { store } = storeWithClock();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.begin('a')));
    assert.equal(results.filter((ms) => ms === 0).length, 3);
  });

  it('forgets failures a day after the last back-off ended', async () => {
    const { clock, store } = storeWithClock();
    for (let i = 0; i < 3; i++) await store.begin('a');
    clock.now += 1000 + FAILURES_FORGOTTEN_AFTER_MS - 1;
    assert.equal(await store.begin('a'), 0);
    assert.equal(await store.begin('a'), 2000);
    clock.now += 2000 + FAILURES_FORGOTTEN_AFTER_MS;
    for (let i = 0; i < 3; i++) assert.equal(await store.begin('a'), 0);
  });

  it('keeps at most maxAccounts, dropping the least recently tried', async () => {
    const { store } = storeWithClock(2);
    for (const key of ['b', 'b', 'a', 'a', 'c']) await store.begin(key);
    assert.equal(store.size, 2);
    assert.deepEqual([await store.begin('a'), await store.begin('a')], [0, 1000]);
    assert.deepEqual([await store.begin('b'), await store.begin('b'), await store.begin('b')], [0, 0, 0]);
  });
});
