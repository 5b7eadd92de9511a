import { API_KEY_PREFIX_PATTERN } from './api-key-format';

/** The `apiKeys` part of AuthModuleOptions. */
export interface ApiKeyOptions {
  /** Prefix of generated keys, e.g. `sk` gives `sk_…`; 1 to 16 letters or digits. */
  prefix?: string;
  /** Per-key request limit for keys created without their own. */
  rateLimitPerMinute?: number;
  /**
   * Verified-key cache and write-behind of `lastUsedAt` (default on). Off, every request costs one SQL
   * look-up and one UPDATE: the naive baseline, kept for benchmark comparison.
   */
  cache?: boolean;
  /** How long a verified key is served from memory; revocation evicts it sooner on every instance. */
  cacheTtlSeconds?: number;
  cacheMaxEntries?: number;
  /**
   * Look-ups of keys that turn out unknown, per client address (IPv6: per /64) and minute, before that
   * address's keys nothing vouches for get 429 (default 30); counted only while the index of known keys
   * cannot answer (not loaded yet, or the revocation log unreadable).
   */
  unknownKeyLookupsPerMinute?: number;
}

export type ResolvedApiKeyOptions = Required<ApiKeyOptions>;

export const API_KEY_OPTIONS = Symbol('API_KEY_OPTIONS');

export function resolveApiKeyOptions(options: ApiKeyOptions = {}): ResolvedApiKeyOptions {
  const prefix = options.prefix ?? 'sk';
  if (!API_KEY_PREFIX_PATTERN.test(prefix))
    throw new Error('AuthModule: apiKeys.prefix must be 1 to 16 letters or digits');
  const rateLimitPerMinute = options.rateLimitPerMinute ?? 600;
  if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 1) {
    throw new Error('AuthModule: apiKeys.rateLimitPerMinute must be a positive integer');
  }
  return {
    prefix,
    rateLimitPerMinute,
    cache: options.cache ?? true,
    cacheTtlSeconds: options.cacheTtlSeconds ?? 30,
    cacheMaxEntries: options.cacheMaxEntries ?? 10_000,
    unknownKeyLookupsPerMinute: options.unknownKeyLookupsPerMinute ?? 30,
  };
}
