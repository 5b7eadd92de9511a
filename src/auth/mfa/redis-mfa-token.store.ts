import type { AuthRedis } from '../core/redis.provider';
import { LuaScript } from '../core/lua-script';
import { MFA_TOKEN_MAX_FAILURES, MfaTokenStore, PendingSecondStep } from './mfa-token-store';

/* One hash per token, expiring with it; spending and counting are single-key scripts (atomic, Redis Cluster safe). */
const CREATE = new LuaScript(`
redis.call('HSET', KEYS[1], 'pending', ARGV[1], 'failures', 0)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`);

const SPEND = new LuaScript(`
local value = redis.call('HMGET', KEYS[1], 'pending', 'failures')
if not value[1] or tonumber(value[2]) >= tonumber(ARGV[1]) then return false end
redis.call('DEL', KEYS[1])
return value[1]
`);

const FAIL = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HINCRBY', KEYS[1], 'failures', 1) >= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return 1
`);

/** Production mode: tokens in Redis, so that the second step may reach any instance. */
export class RedisMfaTokenStore implements MfaTokenStore {
  constructor(
    private readonly redis: AuthRedis,
    private readonly keyPrefix: string,
  ) {}

  async create(tokenHash: string, pending: PendingSecondStep, ttlSeconds: number): Promise<void> {
    await CREATE.run(this.redis, this.keyPrefix + tokenHash, [JSON.stringify(pending), ttlSeconds]);
  }

  async peek(tokenHash: string): Promise<PendingSecondStep | null> {
    const [pending, failures] = await this.redis.hmGet(this.keyPrefix + tokenHash, ['pending', 'failures']);
    return pending && Number(failures) < MFA_TOKEN_MAX_FAILURES ? parse(pending) : null;
  }

  async spend(tokenHash: string): Promise<PendingSecondStep | null> {
    const pending = await SPEND.run(this.redis, this.keyPrefix + tokenHash, [MFA_TOKEN_MAX_FAILURES]);
    return typeof pending === 'string' ? parse(pending) : null;
  }

  async fail(tokenHash: string): Promise<void> {
    await FAIL.run(this.redis, this.keyPrefix + tokenHash, [MFA_TOKEN_MAX_FAILURES]);
  }
}

function parse(pending: string): PendingSecondStep {
  const { userId, epoch, method } = JSON.parse(pending) as PendingSecondStep;
  return { userId, epoch, method };
}
