import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { createClient, createCluster, RedisClientType, RedisClusterType } from 'redis';
import { REDIS_OPTIONS, ResolvedRedisOptions } from './redis.options';

/** The module's Redis connection: one server or a cluster. */
export type AuthRedis = RedisClientType | RedisClusterType;
export const AUTH_REDIS = Symbol('AUTH_REDIS');

const logger = new Logger('AuthRedis');

/** Null in embedded mode (no Redis configured). */
export const authRedisProvider: Provider = {
  provide: AUTH_REDIS,
  inject: [REDIS_OPTIONS],
  useFactory: async (options: ResolvedRedisOptions): Promise<AuthRedis | null> => {
    const client = connectRedis(options);
    if (!client) return null;
    // Errors surface on the commands that hit them; the event only keeps the process alive while reconnecting.
    client.on('error', (error: Error) => logger.warn(`Redis: ${error.message}`));
    await client.connect();
    return client;
  },
};

function connectRedis(options: ResolvedRedisOptions): AuthRedis | null {
  if (options.clusterNodes.length) {
    return createCluster({ rootNodes: options.clusterNodes.map((url) => ({ url })) }) as unknown as RedisClusterType;
  }
  return options.url ? (createClient({ url: options.url }) as RedisClientType) : null;
}

@Injectable()
export class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(AUTH_REDIS) private readonly redis: AuthRedis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis?.isOpen) await this.redis.close();
  }
}
