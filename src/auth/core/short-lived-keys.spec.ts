import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connectTestRedis, redisConfigured } from '../../../test/support/redis';
import type { AuthRedis } from './redis.provider';
import { ShortLivedKeys } from './short-lived-keys';

const options = () => ({ url: undefined, clusterNodes: [], keyPrefix: `test:${randomUUID()}:` });

/** What holds in both modes. */
function behavesAsShortLivedKeys(keys: () => ShortLivedKeys) {
  it('hands a value out once', async () => {
    const store = keys();
    await store.put('k', 'v', 60_000);
    assert.equal(await store.take('k'), 'v');
    assert.equal(await store.take('k'), null, 'taken');
    assert.equal(await store.take('never-set'), null);
  });

  it('lets one of several claims of a key win', async () => {
    const store = keys();
    const claims = await Promise.all([store.claim('c', 60_000), store.claim('c', 60_000), store.claim('c', 60_000)]);
    assert.deepEqual(claims.sort(), [false, false, true]);
    assert.equal(await store.claim('other', 60_000), true, 'keys are independent');
  });

  it('releases a claim only for the holder that made it', async () => {
    const store = keys();
    assert.equal(await store.claim('lease', 60_000, Date.now(), 'holder-1'), true);
    await store.release('lease', 'holder-2');
    assert.equal(await store.claim('lease', 60_000, Date.now(), 'holder-2'), false, 'not released by another holder');
    await store.release('lease', 'holder-1');
    assert.equal(await store.claim('lease', 60_000, Date.now(), 'holder-2'), true);
  });
}

describe('ShortLivedKeys in memory (embedded mode)', () => {
  const keys = () => new ShortLivedKeys(null, options());
  behavesAsShortLivedKeys(keys);

  it('lets a value and a claim expire', async () => {
    const store = keys();
    const now = Date.now();
    await store.put('expiring', 'v', 1000, now);
    await store.put('live', 'v', 1000, now);
    assert.equal(await store.take('expiring', now + 1000), null);
    assert.equal(await store.take('live', now + 999), 'v');
    assert.equal(await store.claim('spent', 60_000, now), true);
    assert.equal(await store.claim('spent', 60_000, now + 59_999), false);
    assert.equal(await store.claim('spent', 60_000, now + 60_000), true, 'expired');
  });

  it('holds a bounded number of keys, dropping the oldest first', async () => {
    const store = keys();
    const now = Date.now();
    await store.put('first', 'v', 60_000, now);
    for (let i = 0; i < 100_000; i++) await store.claim(`k${i}`, 60_000, now);
    await store.put('last', 'v', 60_000, now);
    assert.equal(await store.take('first', now), null);
    assert.equal(await store.take('last', now), 'v');
  });
});

describe(
  'ShortLivedKeys with Redis',
  { skip: redisConfigured ? false : 'needs REDIS_URL or REDIS_CLUSTER_NODES' },
  () => {
    let redis: AuthRedis;
    before(async () => {
      redis = await connectTestRedis();
    });
    after(() => redis.close());
    behavesAsShortLivedKeys(() => new ShortLivedKeys(redis, options()));

    it('lets a claim expire', async () => {
      const store = new ShortLivedKeys(redis, options());
      assert.equal(await store.claim('brief', 50), true);
      assert.equal(await store.claim('brief', 50), false);
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.equal(await store.claim('brief', 50), true, 'expired');
    });
  },
);
