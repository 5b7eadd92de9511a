import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedKey, VerifiedKeyCache } from './verified-key-cache';

const verified = (keyId: string, userId = 'u1', expiresAt: number | null = null): VerifiedKey => ({
  principal: { user: { id: userId, email: 'a@b.c', roles: ['user'] }, via: 'apiKey', apiKeyId: keyId, scopes: [] },
  keyId,
  userId,
  rateLimitPerMinute: 600,
  expiresAt,
});

const limits = { ttlMs: 30_000, negativeTtlMs: 5_000, maxEntries: 10 };

describe('VerifiedKeyCache', () => {
  it('serves an entry until its TTL, and never past the key expiry', () => {
    const cache = new VerifiedKeyCache(limits);
    const now = 1_000_000;
    cache.set('h1', verified('k1'), cache.snapshot(), now);
    cache.set('h2', verified('k2', 'u1', now + 2_000), cache.snapshot(), now);
    assert.equal(cache.get('h1', now + 29_999)?.keyId, 'k1');
    assert.equal(cache.get('h1', now + 30_000), undefined);
    assert.equal(cache.get('h2', now + 1_999)?.keyId, 'k2');
    assert.equal(cache.get('h2', now + 2_000), undefined);
  });

  it('keeps misses briefly', () => {
    const cache = new VerifiedKeyCache(limits);
    cache.setMiss('h', null, cache.snapshot(), 0);
    assert.equal(cache.get('h', 4_999), null);
    assert.equal(cache.get('h', 5_000), undefined);
  });

  it('evicts by key and by owner, misses included', () => {
    const cache = new VerifiedKeyCache(limits);
    cache.set('h1', verified('k1', 'u1'), cache.snapshot());
    cache.set('h2', verified('k2', 'u1'), cache.snapshot());
    cache.set('h3', verified('k3', 'u2'), cache.snapshot());
    cache.setMiss('h4', { userId: 'u2', keyId: 'k4' }, cache.snapshot());
    cache.evictKey('k1');
    assert.equal(cache.get('h1'), undefined);
    assert.ok(cache.get('h2'));
    cache.evictUser('u2');
    assert.equal(cache.get('h3'), undefined);
    assert.equal(cache.get('h4'), undefined);
    assert.ok(cache.get('h2'));
  });

  it('drops a store that raced with an eviction (a look-up that read the row before a revocation)', () => {
    const cache = new VerifiedKeyCache(limits);
    const since = cache.snapshot();
    cache.evictKey('k1');
    cache.set('h1', verified('k1'), since);
    assert.equal(cache.get('h1'), undefined);
  });

  it('stays within its bound', () => {
    const cache = new VerifiedKeyCache(limits);
    for (let i = 0; i < 100; i++) cache.set(`h${i}`, verified(`k${i}`), cache.snapshot());
    assert.ok(cache.size <= limits.maxEntries);
    assert.ok(cache.get('h99'));
  });

  it('never lets misses push out verified keys: a flood of forged keys evicts only other misses', () => {
    const cache = new VerifiedKeyCache(limits);
    for (let i = 0; i < limits.maxEntries; i++) cache.set(`good${i}`, verified(`k${i}`), cache.snapshot());
    for (let i = 0; i < 1000; i++) cache.setMiss(`forged${i}`, null, cache.snapshot());
    for (let i = 0; i < limits.maxEntries; i++) assert.equal(cache.get(`good${i}`)?.keyId, `k${i}`);
    assert.equal(cache.get('forged999'), null);
    assert.ok(cache.size <= 2 * limits.maxEntries);
  });
});
