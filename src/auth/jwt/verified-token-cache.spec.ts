import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessTokenClaims } from './access-token-claims';
import { VerifiedTokenCache } from './verified-token-cache';

const claims = (exp: number): AccessTokenClaims => ({
  iss: 'i',
  aud: 'a',
  sub: 'u',
  jti: 'j',
  sid: 's',
  iat: exp - 900,
  exp,
  email: 'e@x',
  roles: [],
});

describe('VerifiedTokenCache', () => {
  it('never serves an entry at or past its exp', () => {
    const cache = new VerifiedTokenCache(10);
    cache.set('t', claims(1000));
    assert.ok(cache.get('t', 999));
    assert.equal(cache.get('t', 1000), undefined);
    assert.equal(cache.size, 0);
  });

  it('stays within its bound by dropping the oldest entry', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('a', claims(5000));
    cache.set('b', claims(5000));
    cache.set('c', claims(5000));
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a', 1), undefined);
    assert.ok(cache.get('c', 1));
  });

  it('hands out frozen claims, so no handler can change what later requests with the token get', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('t', claims(5000));
    const cached = cache.get('t', 1)?.claims as AccessTokenClaims;
    assert.throws(() => cached.roles.push('admin'), TypeError);
    assert.throws(() => (cache.get('t', 1)?.principal.user.roles as string[]).push('admin'), TypeError);
    assert.deepEqual(cache.get('t', 1)?.claims.roles, []);
  });
});
