import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../config/app.config';
import { resolveLockoutOptions, resolveThrottleOptions } from './throttling.options';

describe('throttling options', () => {
  it('defaults to 10 requests per 60 s, and a back-off after 5 failures from 60 s up to 900 s', () => {
    assert.deepEqual(resolveThrottleOptions(), { limit: 10, ttlSeconds: 60 });
    assert.deepEqual(resolveLockoutOptions(), { threshold: 5, baseSeconds: 60, maxSeconds: 900 });
  });

  it('refuses values that are not positive integers, and a base over the maximum', () => {
    assert.throws(() => resolveThrottleOptions({ limit: 0 }), /throttle\.limit/);
    assert.throws(() => resolveThrottleOptions({ ttlSeconds: 1.5 }), /throttle\.ttlSeconds/);
    assert.throws(() => resolveLockoutOptions({ threshold: -1 }), /lockout\.threshold/);
    assert.throws(() => resolveLockoutOptions({ baseSeconds: 901 }), /lockout\.maxSeconds/);
  });

  it('reads THROTTLE_AUTH_* and LOCKOUT_* from the environment, validated', () => {
    const env = { DATA_DIR: '/tmp', SESSION_SECRET: 'x'.repeat(32) };
    const config = loadConfig({
      ...env,
      THROTTLE_AUTH_LIMIT: '3',
      THROTTLE_AUTH_TTL_SECONDS: '5',
      LOCKOUT_THRESHOLD: '2',
      LOCKOUT_BASE_SECONDS: '1',
    });
    assert.deepEqual(config.throttle, { limit: 3, ttlSeconds: 5 });
    assert.deepEqual(config.lockout, { threshold: 2, baseSeconds: 1 });
    assert.deepEqual(loadConfig(env).throttle, { limit: 10, ttlSeconds: 60 });
    for (const [name, value] of [
      ['THROTTLE_AUTH_LIMIT', 'ten'],
      ['THROTTLE_AUTH_TTL_SECONDS', '0'],
      ['LOCKOUT_THRESHOLD', '1.5'],
    ]) {
      assert.throws(
        () => loadConfig({ ...env, [name]: value }),
        (error: unknown) => error instanceof ConfigError && error.message.includes(name),
      );
    }
    assert.throws(
      () => resolveLockoutOptions(loadConfig({ ...env, LOCKOUT_BASE_SECONDS: '901' }).lockout),
      /lockout\.maxSeconds/,
    );
  });
});
