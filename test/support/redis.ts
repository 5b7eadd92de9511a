import { AuthRedis, createAuthRedis } from '../../src/auth/core/redis.provider';
import { AuthRedisOptions, resolveRedisOptions } from '../../src/auth/core/redis.options';

/** The run's Redis, as the app reads it: a cluster when REDIS_CLUSTER_NODES is set, else REDIS_URL. */
export function testRedisOptions(): AuthRedisOptions {
  const clusterNodes = (process.env.REDIS_CLUSTER_NODES ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  return clusterNodes.length ? { clusterNodes } : { url: process.env.REDIS_URL };
}

export const redisConfigured = !!(process.env.REDIS_URL || process.env.REDIS_CLUSTER_NODES);

/** A connected client of the run's Redis, built by the module's own factory (with its timeouts). */
export async function connectTestRedis(): Promise<AuthRedis> {
  const client = createAuthRedis(resolveRedisOptions(testRedisOptions()));
  if (!client) throw new Error('no Redis configured: set REDIS_URL or REDIS_CLUSTER_NODES');
  await client.connect();
  return client;
}
