import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { createClient, RedisClientType } from 'redis';
import { AUTH_OPTIONS, ResolvedAuthOptions } from '../auth.options';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
/** The shared Redis connection, or null in embedded mode. */
export type AuthRedis = RedisClientType | null;

const logger = new Logger('AuthRedis');

export const redisClientProvider: Provider = {
  provide: REDIS_CLIENT,
  inject: [AUTH_OPTIONS],
  useFactory: async (options: ResolvedAuthOptions): Promise<AuthRedis> => {
    if (!options.redisUrl) return null;
    const client = createClient({ url: options.redisUrl }) as RedisClientType;
    // Errors surface on the commands that hit them; the event only keeps the process alive while reconnecting.
    client.on('error', (error: Error) => logger.warn(`Redis: ${error.message}`));
    await client.connect();
    return client;
  },
};

@Injectable()
export class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: AuthRedis) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis?.isOpen) await this.redis.close();
  }
}
