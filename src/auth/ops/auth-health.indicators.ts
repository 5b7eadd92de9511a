import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AuditLog } from '../audit/audit-log.service';
import { AUTH_REDIS, AuthRedis } from '../core/redis.provider';
import { RevocationBus } from '../core/revocation-bus';

const REDIS_TIMEOUT_MS = 2000;

/**
 * Terminus health indicators of the module's own parts, for a host's readiness check beside its
 * database's: Redis (when configured) and the revocation log. They name what is down and nothing secret.
 *
 * @example
 * this.health.check([() => this.db.pingCheck('database'), () => this.auth.redis(), () => this.auth.revocations(), () => this.auth.audit()])
 */
@Injectable()
export class AuthHealthIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(AUTH_REDIS) private readonly redisClient: AuthRedis | null,
    private readonly bus: RevocationBus,
    private readonly auditLog: AuditLog,
  ) {}

  /** Up when Redis answers a PING within two seconds; up and `configured: false` in embedded mode. */
  async redis(key = 'redis') {
    const redis = this.redisClient;
    if (!redis) return this.health.check(key).up({ configured: false });
    return this.health
      .check(key)
      .attempt(async () => {
        await redis.ping();
      })
      .withTimeout(REDIS_TIMEOUT_MS);
  }

  /** Down while the instance cannot read the revocation log (its caches are bypassed); tells whether it hears the Redis channel. */
  revocations(key = 'revocations') {
    const { log, subscriber } = this.bus.status();
    const session = this.health.check(key);
    return log === 'current' ? session.up({ log, subscriber }) : session.down({ log, subscriber });
  }

  /** Down (`state: behind`) while audit events wait in memory for the database; counts them and those dropped. */
  audit(key = 'audit') {
    const { state, waiting, dropped } = this.auditLog.status();
    const session = this.health.check(key);
    return state === 'current' ? session.up({ state, dropped }) : session.down({ state, waiting, dropped });
  }
}
