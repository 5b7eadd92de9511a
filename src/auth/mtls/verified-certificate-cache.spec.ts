import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedBinding, VerifiedCertificateCache } from './verified-certificate-cache';

const binding = (certificateId: string, userId = 'u1'): VerifiedBinding => ({
  principal: { user: { id: userId, email: 'a@b.c', roles: ['service'] }, via: 'mtls', certificateId, scopes: [] },
  certificateId,
  userId,
});

const limits = { ttlMs: 30_000, negativeTtlMs: 5_000, maxEntries: 10 };
const never = Number.MAX_SAFE_INTEGER;

describe('VerifiedCertificateCache', () => {
  it('serves a binding until its TTL, and never past the certificate notAfter', () => {
    const cache = new VerifiedCertificateCache(limits);
    const now = 1_000_000;
    cache.set('F1', binding('c1'), never, cache.snapshot(), now);
    cache.set('F2', binding('c2'), now + 2_000, cache.snapshot(), now);
    assert.equal(cache.get('F1', now + 29_999)?.certificateId, 'c1');
    assert.equal(cache.get('F1', now + 30_000), undefined);
    assert.equal(cache.get('F2', now + 1_999)?.certificateId, 'c2');
    assert.equal(cache.get('F2', now + 2_000), undefined);
  });

  it('keeps misses briefly', () => {
    const cache = new VerifiedCertificateCache(limits);
    cache.setMiss('F', null, cache.snapshot(), 0);
    assert.equal(cache.get('F', 4_999), null);
    assert.equal(cache.get('F', 5_000), undefined);
  });

  it('evicts by fingerprint and by owner, misses included', () => {
    const cache = new VerifiedCertificateCache(limits);
    cache.set('F1', binding('c1', 'u1'), never, cache.snapshot());
    cache.set('F2', binding('c2', 'u1'), never, cache.snapshot());
    cache.set('F3', binding('c3', 'u2'), never, cache.snapshot());
    cache.setMiss('F4', 'u2', cache.snapshot());
    cache.evict('F1');
    assert.equal(cache.get('F1'), undefined);
    assert.equal(cache.get('F2')?.certificateId, 'c2');
    cache.evictUser('u2');
    assert.equal(cache.get('F3'), undefined);
    assert.equal(cache.get('F4'), undefined);
    assert.equal(cache.size, 1);
  });

  it('does not store what a look-up read before an eviction', () => {
    const cache = new VerifiedCertificateCache(limits);
    const since = cache.snapshot();
    cache.evict('F1');
    cache.set('F1', binding('c1'), never, since);
    cache.setMiss('F2', null, since);
    assert.equal(cache.get('F1'), undefined);
    assert.equal(cache.get('F2'), undefined);
  });

  it('lets a flood of misses push out only other misses', () => {
    const cache = new VerifiedCertificateCache(limits);
    cache.set('known', binding('c1'), never, cache.snapshot());
    for (let i = 0; i < 100; i++) cache.setMiss(`unknown-${i}`, null, cache.snapshot());
    assert.equal(cache.get('known')?.certificateId, 'c1');
    assert.ok(cache.size <= 1 + limits.maxEntries);
  });
});
