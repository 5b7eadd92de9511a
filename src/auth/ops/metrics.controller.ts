import { Controller, Get, Header, Inject, NotFoundException, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../core/auth.decorator';
import { AuthTelemetry } from '../core/auth-telemetry';
import { safeEqual } from '../core/secrets';
import { METRICS_OPTIONS, ResolvedMetricsOptions } from './metrics.options';
import { PrometheusTelemetry } from './prometheus-telemetry';

/** `GET /metrics` for Prometheus: behind its own bearer token when one is set, 404 when one is required and none is. */
@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(
    private readonly telemetry: AuthTelemetry,
    @Inject(METRICS_OPTIONS) private readonly options: ResolvedMetricsOptions,
  ) {}

  @Public()
  @Get()
  @Header('Cache-Control', 'no-store')
  async metrics(@Req() request: Request, @Res() response: Response): Promise<void> {
    const { token, requireToken } = this.options;
    if (!(this.telemetry instanceof PrometheusTelemetry) || (!token && requireToken)) throw new NotFoundException();
    if (token) {
      const presented = /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!safeEqual(presented, token)) {
        response.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new UnauthorizedException('Unauthorized');
      }
    }
    response.setHeader('Content-Type', this.telemetry.registry.contentType);
    response.send(await this.telemetry.registry.metrics());
  }
}
