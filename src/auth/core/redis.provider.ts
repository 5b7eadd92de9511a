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
    const client = createAuthRedis(options);
    if (!client) return null;
    // Errors surface on the commands that hit them; the event only keeps the process alive while reconnecting.
    client.on('error', (error: Error) => logger.warn(`Redis: ${error.message}`));
    // The client reconnects for ever; at start, a Redis that never answers must stop the app rather than hold it unlistening.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`AuthModule: Redis did not answer within ${options.startupTimeoutSeconds ?? 30} s at start`),
          ),
        (options.startupTimeoutSeconds ?? 30) * 1000,
      );
    });
    try {
      await Promise.race([client.connect(), gaveUp]);
    } catch (error) {
      client.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return client;
  },
};

/**
 * Fail fast rather than wait: while Redis is unreachable a command is refused at once (no offline
 * queue) or after two seconds (a connection that went silent), and the request it serves gets a 503,
 * never a hang. Reconnects back off to at most one second between tries.
 */
const CONNECTION_DEFAULTS = {
  disableOfflineQueue: true,
  pingInterval: 5000,
  commandOptions: { timeout: 2000 },
  socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000) },
};

/** A client (not yet connected) for the options: a cluster client when cluster nodes are given, null without Redis. */
export function createAuthRedis(options: ResolvedRedisOptions): AuthRedis | null {
  if (options.clusterNodes.length) {
    return createCluster({
      rootNodes: options.clusterNodes.map((url) => ({ url })),
      defaults: CONNECTION_DEFAULTS,
    }) as unknown as RedisClusterType;
  }
  return options.url ? (createClient({ url: options.url, ...CONNECTION_DEFAULTS }) as RedisClientType) : null;
}

@Injectable()
export class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(AUTH_REDIS) private readonly redis: AuthRedis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis?.isOpen) await this.redis.close();
  }
}
