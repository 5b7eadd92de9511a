import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConflictException } from '@nestjs/common';
import { connectTestRedis, redisConfigured } from '../../../test/support/redis';
import type { AuthRedis } from './redis.provider';
import { ShortLivedKeys } from './short-lived-keys';
import { SignInMethods } from './sign-in-methods';

/** A user's ways to sign in, in memory; `remove` yields between its check and its delete, as a database call does. */
function waysOf(...names: string[]) {
  const ways = new Set(names);
  const source = { name: 'ways', count: async () => ways.size };
  const remove = (name: string) => async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    ways.delete(name);
    return name;
  };
  return { ways, source, remove };
}

async function removeBothAtOnce(first: SignInMethods, second: SignInMethods) {
  const { ways, source, remove } = waysOf('passkey', 'identity');
  first.register(source);
  if (second !== first) second.register(source);
  const outcomes = await Promise.allSettled([
    first.removeOne('u1', remove('passkey')),
    second.removeOne('u1', remove('identity')),
  ]);
  return { ways, outcomes };
}

function assertOneRemovedOneRefused({ ways, outcomes }: Awaited<ReturnType<typeof removeBothAtOnce>>) {
  assert.equal(ways.size, 1, 'one way to sign in is left');
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
  const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
  assert.ok(refused.reason instanceof ConflictException);
  assert.equal(refused.reason.getStatus(), 409);
}

const options = (keyPrefix = 'auth:') => ({ url: undefined, clusterNodes: [], keyPrefix });

describe('SignInMethods.removeOne (embedded: one process)', () => {
  it('removes one of two ways, and refuses the last with 409', async () => {
    const methods = new SignInMethods(new ShortLivedKeys(null, options()));
    const { ways, source, remove } = waysOf('password', 'passkey');
    methods.register(source);
    assert.equal(await methods.removeOne('u1', remove('passkey')), 'passkey');
    await assert.rejects(methods.removeOne('u1', remove('password')), ConflictException);
    assert.deepEqual([...ways], ['password']);
  });

  it('lets only one of two removals at once go through, so that a way is always left', async () => {
    const methods = new SignInMethods(new ShortLivedKeys(null, options()));
    assertOneRemovedOneRefused(await removeBothAtOnce(methods, methods));
  });

  it('frees the user for the next removal when one fails', async () => {
    const methods = new SignInMethods(new ShortLivedKeys(null, options()));
    const { ways, source, remove } = waysOf('a', 'b', 'c');
    methods.register(source);
    await assert.rejects(
      methods.removeOne('u1', async () => {
        throw new Error('database gone');
      }),
      /database gone/,
    );
    assert.equal(await methods.removeOne('u1', remove('a')), 'a');
    assert.equal(ways.size, 2);
  });
});

describe(
  'SignInMethods.removeOne with Redis (the lease held in Redis, over two connections)',
  { skip: redisConfigured ? false : 'needs REDIS_URL or REDIS_CLUSTER_NODES' },
  () => {
    let a: AuthRedis;
    let b: AuthRedis;
    before(async () => {
      [a, b] = await Promise.all([connectTestRedis(), connectTestRedis()]);
    });
    after(() => Promise.all([a.close(), b.close()]));

    it('lets only one of two removals through when they come over two connections', async () => {
      const prefix = `test:${randomUUID()}:`;
      const first = new SignInMethods(new ShortLivedKeys(a, options(prefix)));
      const second = new SignInMethods(new ShortLivedKeys(b, options(prefix)));
      assertOneRemovedOneRefused(await removeBothAtOnce(first, second));
    });
  },
);
