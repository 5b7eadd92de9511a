import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShortLivedKeys } from '../core/short-lived-keys';
import { PasskeyChallenges } from './passkey-challenges';

describe('PasskeyChallenges in memory (embedded mode)', () => {
  const challenges = () =>
    new PasskeyChallenges(new ShortLivedKeys(null, { url: undefined, clusterNodes: [], keyPrefix: 'auth:' }), {
      challengeTtlSeconds: 300,
    });

  it('issues 256-bit challenges that are taken once, for the purpose and subject they were issued for', async () => {
    const store = challenges();
    const challenge = await store.issue('register', 'user-1');
    assert.equal(Buffer.from(challenge, 'base64url').length, 32);
    assert.notEqual(await store.issue('register', 'user-1'), challenge);
    assert.equal(await store.take('login', challenge), null, 'a registration challenge is no sign-in challenge');
    assert.equal(await store.take('register', challenge), 'user-1');
    assert.equal(await store.take('register', challenge), null, 'spent');
    const signIn = await store.issue('login', '');
    assert.equal(await store.take('login', signIn), '');
  });

  it('lets a challenge expire after five minutes', async () => {
    const store = challenges();
    const now = Date.now();
    const expiring = await store.issue('login', '', now);
    const live = await store.issue('login', '', now);
    assert.equal(await store.take('login', expiring, now + 300_000), null);
    assert.equal(await store.take('login', live, now + 299_999), '');
  });
});
