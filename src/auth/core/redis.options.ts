/** The `redis` options of AuthModule.forRoot. Without `url` or `clusterNodes`, the module keeps everything in the database and in memory (one instance). */
export interface AuthRedisOptions {
  /** `redis://host:port` or `rediss://…`: sessions, rate limits, lock-out and revocation fan-out go to Redis. */
  url?: string;
  /** `redis://host:port` of one or more Redis Cluster nodes; used instead of `url` when set. */
  clusterNodes?: string[];
  /** Prefix of every key and channel the module uses, so that several apps or test runs share one Redis. Default `auth:`. */
  keyPrefix?: string;
  /** How long the app waits for Redis at start before it stops with an error (default 30 s): an orchestrator restarts it. */
  startupTimeoutSeconds?: number;
}

export interface ResolvedRedisOptions {
  url?: string;
  clusterNodes: string[];
  keyPrefix: string;
  startupTimeoutSeconds?: number;
}

export const REDIS_OPTIONS = Symbol('REDIS_OPTIONS');

const REDIS_URL = /^rediss?:\/\/[^\s]+$/;

export function resolveRedisOptions(options: AuthRedisOptions = {}): ResolvedRedisOptions {
  const clusterNodes = options.clusterNodes ?? [];
  for (const url of [...clusterNodes, ...(options.url ? [options.url] : [])]) {
    if (!REDIS_URL.test(url)) throw new Error('AuthModule: redis URLs must start with redis:// or rediss://');
  }
  const keyPrefix = options.keyPrefix ?? 'auth:';
  if (keyPrefix.length > 100) throw new Error('AuthModule: redis.keyPrefix must be at most 100 characters');
  const startupTimeoutSeconds = options.startupTimeoutSeconds ?? 30;
  if (!Number.isFinite(startupTimeoutSeconds) || startupTimeoutSeconds <= 0) {
    throw new Error('AuthModule: redis.startupTimeoutSeconds must be a positive number');
  }
  return { url: options.url, clusterNodes, keyPrefix, startupTimeoutSeconds };
}
