import { createHash } from 'node:crypto';
import type { AuthRedis } from './redis.provider';

/** A Lua script run by its SHA-1 (EVALSHA), loaded with EVAL the first time a server has not seen it. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: AuthRedis, key: string, args: Array<string | number>): Promise<unknown> {
    const options = { keys: [key], arguments: args.map(String) };
    try {
      return await redis.evalSha(this.sha, options);
    } catch (error) {
      if (!String(error).includes('NOSCRIPT')) throw error;
      return redis.eval(this.source, options);
    }
  }
}
