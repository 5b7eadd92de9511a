import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AUTH_REDIS, AuthRedis, Public } from '../auth';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(AUTH_REDIS) private readonly redis: AuthRedis | null,
  ) {}

  @Get()
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    const checks = await Promise.allSettled([this.dataSource.query('SELECT 1'), this.redis ? this.redis.ping() : Promise.resolve('PONG')]);
    const [database, redis] = checks.map((c) => (c.status === 'fulfilled' ? 'up' : 'down'));
    if (database !== 'up' || redis !== 'up') {
      throw new ServiceUnavailableException({
        statusCode: 503,
        message: 'Not ready',
        error: 'Service Unavailable',
        database,
        redis: this.redis ? redis : 'not configured',
      });
    }
    return { status: 'ok', database, redis: this.redis ? redis : 'not configured' };
  }
}
