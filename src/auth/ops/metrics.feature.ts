import type { AuthFeature } from '../core/auth-feature';
import { METRICS_OPTIONS, MetricsOptions, resolveMetricsOptions } from './metrics.options';

/**
 * Prometheus metrics of the module at `path` (default `metrics`, beside the host's routes, not under the
 * routes prefix), and health indicators for @nestjs/terminus. Options: `metrics`. Loads prom-client.
 */
export function metricsAt(path: string): AuthFeature {
  return {
    name: 'metrics',
    packages: ['prom-client', '@nestjs/terminus'],
    options: [
      { token: METRICS_OPTIONS, resolve: (o: { metrics?: MetricsOptions }) => resolveMetricsOptions(o.metrics) },
    ],
    get telemetry() {
      return (require('./prometheus-telemetry') as typeof import('./prometheus-telemetry')).PrometheusTelemetry;
    },
    module: (base) => (require('./ops.module') as typeof import('./ops.module')).OpsModule.register(...base),
    get rootControllers() {
      return [(require('./metrics.controller') as typeof import('./metrics.controller')).MetricsController];
    },
    rootPath: path.replace(/^\/+|\/+$/g, ''),
  };
}

export const metrics: AuthFeature = metricsAt('metrics');
