import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
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

  @ApiOperation({ summary: 'Liveness' })
  @ApiOkResponse({ description: 'While the process runs' })
  @Get()
  live() {
    return { status: 'ok' };
  }

  @ApiOperation({ summary: 'Readiness: the database and Redis (when configured) answer' })
  @ApiOkResponse({ description: 'Ready' })
  @ApiServiceUnavailableResponse({ description: 'A part is down; the body names it' })
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
