import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import passport from 'passport';
import { Strategy } from 'passport-custom';
import { isStrategyRegistered, runStrategies } from './run-strategies';

type Done = (error: unknown, user?: unknown) => void;
const register = (name: string, verify: (done: Done) => void) => passport.use(name, new Strategy((_request, done) => verify(done)));
const request = {} as Request;

describe('runStrategies', () => {
  register('test-sync-ok', (done) => done(null, { id: 'sync' }));
  register('test-async-ok', (done) => setImmediate(() => done(null, { id: 'async' })));
  register('test-fail', (done) => done(null, false));
  register('test-async-fail', (done) => setImmediate(() => done(null, false)));
  register('test-error', (done) => done(new Error('boom')));
  register('test-throws', () => {
    throw new Error('thrown');
  });

  it('returns the user of a strategy that succeeds at once or later', async () => {
    assert.deepEqual(await runStrategies(['test-sync-ok'], request), { id: 'sync' });
    assert.deepEqual(await runStrategies(['test-async-ok'], request), { id: 'async' });
  });

  it('answers without a promise while the strategies decide at once', () => {
    assert.deepEqual(runStrategies(['test-fail', 'test-sync-ok'], request), { id: 'sync' });
    assert.equal(runStrategies(['test-fail'], request), null);
    assert.ok(runStrategies(['test-fail', 'test-async-ok'], request) instanceof Promise);
  });

  it('tries the strategies in order until one succeeds', async () => {
    assert.deepEqual(await runStrategies(['test-fail', 'test-async-fail', 'test-async-ok', 'test-sync-ok'], request), { id: 'async' });
  });

  it('returns null when every strategy fails', async () => {
    assert.equal(await runStrategies(['test-fail', 'test-async-fail'], request), null);
  });

  it('rejects with the error a strategy reports or throws', async () => {
    await assert.rejects(async () => runStrategies(['test-error'], request), /boom/);
    await assert.rejects(async () => runStrategies(['test-throws'], request), /thrown/);
  });

  it('knows which strategies are registered', () => {
    assert.ok(isStrategyRegistered('test-sync-ok'));
    assert.ok(!isStrategyRegistered('test-never-registered'));
  });
});
