import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { authOptions, ConfigError, loadConfig } from '../../config/app.config';
import { resolveApiKeyOptions } from './api-key.options';

describe('API key options', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'api-key-options-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const load = (env: Record<string, string | undefined>) => loadConfig({ DATA_DIR: dataDir, ...env }).apiKeys;

  it('defaults to the sk prefix, 600 requests per minute and the cache on', () => {
    assert.deepEqual(load({}), { prefix: 'sk', rateLimitPerMinute: 600, cache: true, unknownKeyLookupsPerMinute: 30 });
    assert.deepEqual(resolveApiKeyOptions(), {
      prefix: 'sk',
      rateLimitPerMinute: 600,
      cache: true,
      cacheTtlSeconds: 30,
      cacheMaxEntries: 10_000,
      unknownKeyLookupsPerMinute: 30,
    });
  });

  it('reads API_KEY_PREFIX, API_KEY_RATE_LIMIT_PER_MINUTE and API_KEY_CACHE', () => {
    assert.deepEqual(load({ API_KEY_PREFIX: 'acme', API_KEY_RATE_LIMIT_PER_MINUTE: '60', API_KEY_CACHE: 'off' }), {
      prefix: 'acme',
      rateLimitPerMinute: 60,
      cache: false,
      unknownKeyLookupsPerMinute: 30,
    });
  });

  it('refuses a prefix that would break the key format, a bad limit and an unknown cache switch', () => {
    for (const env of [{ API_KEY_RATE_LIMIT_PER_MINUTE: '0' }, { API_KEY_CACHE: 'maybe' }]) {
      assert.throws(() => load(env), ConfigError, JSON.stringify(env));
    }
    // The environment is only mapped; the library refuses what the options cannot be.
    for (const env of [{ API_KEY_PREFIX: 'sk_live' }, { API_KEY_PREFIX: 'x'.repeat(17) }]) {
      assert.throws(
        () => resolveApiKeyOptions(authOptions(loadConfig({ DATA_DIR: dataDir, ...env })).apiKeys),
        /apiKeys\.prefix/,
      );
    }
    assert.throws(() => resolveApiKeyOptions({ prefix: 'a-b' }));
    assert.throws(() => resolveApiKeyOptions({ rateLimitPerMinute: 1.5 }));
  });
});
