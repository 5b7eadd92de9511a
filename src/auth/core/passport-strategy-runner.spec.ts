import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import passport from 'passport';
import { Strategy } from 'passport-custom';
import { privatePassportInstance, runStrategy } from './passport-strategy-runner';

type Done = (error: unknown, user?: unknown) => void;
const strategy = (verify: (done: Done) => void) => new Strategy((_request, done) => verify(done));
const request = {} as Request;

describe('runStrategy', () => {
  it('answers without a promise when the strategy decides at once', () => {
    assert.deepEqual(
      runStrategy(
        strategy((done) => done(null, { id: 'sync' })),
        request,
      ),
      { id: 'sync' },
    );
    assert.equal(
      runStrategy(
        strategy((done) => done(null, false)),
        request,
      ),
      null,
    );
  });

  it('answers with a promise when the strategy decides later', async () => {
    const later = runStrategy(
      strategy((done) => setImmediate(() => done(null, { id: 'async' }))),
      request,
    );
    assert.ok(later instanceof Promise);
    assert.deepEqual(await later, { id: 'async' });
    assert.equal(
      await runStrategy(
        strategy((done) => setImmediate(() => done(null, false))),
        request,
      ),
      null,
    );
  });

  it('rejects with the error a strategy reports or throws', async () => {
    await assert.rejects(
      async () =>
        runStrategy(
          strategy((done) => done(new Error('boom'))),
          request,
        ),
      /boom/,
    );
    const throwing = strategy(() => {
      throw new Error('thrown');
    });
    await assert.rejects(async () => runStrategy(throwing, request), /thrown/);
  });

  it('runs concurrent requests on one strategy instance without mixing their outcomes', async () => {
    const shared = strategy((done) => setImmediate(() => done(null, { id: 'x' })));
    const refusing = new Strategy((req, done) =>
      setImmediate(() => done(null, (req as unknown as { ok: boolean }).ok ? { id: 'ok' } : false)),
    );
    const [a, b, c] = await Promise.all([
      runStrategy(refusing, { ok: true } as unknown as Request),
      runStrategy(refusing, { ok: false } as unknown as Request),
      runStrategy(shared, request),
    ]);
    assert.deepEqual([a, b, c], [{ id: 'ok' }, null, { id: 'x' }]);
  });

  it('gives each caller an Authenticator of its own, apart from the global one', () => {
    const own = privatePassportInstance();
    own.use(
      'only-here',
      strategy((done) => done(null, false)),
    );
    const registry = (instance: object) => (instance as { _strategy(name: string): unknown })._strategy('only-here');
    assert.ok(registry(own));
    assert.equal(registry(passport), undefined);
    assert.equal(registry(privatePassportInstance()), undefined);
  });
});
