import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth';
import { AuthHealthIndicators } from '../auth/ops';
import { isDraining } from '../app.shutdown';

const CHECK_TIMEOUT_MS = 2000;

/** Liveness and readiness for the load balancer and the orchestrator, on @nestjs/terminus. */
@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly auth: AuthHealthIndicators,
  ) {}

  @ApiOperation({ summary: 'Liveness' })
  @ApiOkResponse({ description: 'While the process runs' })
  @Get()
  live() {
    return { status: 'ok' };
  }

  @ApiOperation({
    summary:
      'Readiness: the database and Redis (when configured) answer, the revocation log has been read within the last second, and no audit event waits for the database',
  })
  @ApiOkResponse({ description: '`{status: "ok", details: {database, redis, revocations, audit}}`' })
  @ApiServiceUnavailableResponse({ description: '`{status: "error", error: {…}}` naming the part that is down' })
  @Get('ready')
  @HealthCheck()
  ready() {
    if (isDraining())
      throw new ServiceUnavailableException({ status: 'error', error: { shutdown: { status: 'down' } } });
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
      () => this.auth.redis('redis'),
      () => this.auth.revocations('revocations'),
      () => this.auth.audit('audit'),
    ]);
  }
}
