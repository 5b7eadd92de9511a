import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AUTH_REDIS, AuthRedis, Public, RevocationBus } from '../auth';

const CHECK_TIMEOUT_MS = 2000;

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(AUTH_REDIS) private readonly redis: AuthRedis | null,
    private readonly bus: RevocationBus,
  ) {}

  @ApiOperation({ summary: 'Liveness' })
  @ApiOkResponse({ description: 'While the process runs' })
  @Get()
  live() {
    return { status: 'ok' };
  }

  @ApiOperation({
    summary: 'Readiness: the database and Redis (when configured) answer, and the revocation log has been read within the last second',
  })
  @ApiOkResponse({ description: 'Ready' })
  @ApiServiceUnavailableResponse({ description: 'A part is down; the body names it' })
  @Get('ready')
  async ready() {
    const answers = (check: () => Promise<unknown>) =>
      Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref())]).then(
        () => 'up' as const,
        () => 'down' as const,
      );
    const [database, redis] = await Promise.all([
      answers(() => this.dataSource.query('SELECT 1')),
      this.redis ? answers(() => (this.redis as AuthRedis).ping()) : Promise.resolve('not configured' as const),
    ]);
    const revocations = this.bus.status();
    const body = { database, redis, revocationLog: revocations.log, revocationBus: revocations.subscriber };
    if (database === 'down' || redis === 'down' || revocations.log === 'behind') {
      throw new ServiceUnavailableException({ statusCode: 503, message: 'Not ready', error: 'Service Unavailable', ...body });
    }
    return { status: 'ok', ...body };
  }
}
