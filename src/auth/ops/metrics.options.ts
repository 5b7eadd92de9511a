/** The `metrics` options of AuthModule.forRoot. */
export interface MetricsOptions {
  /** `GET /metrics` requires `Authorization: Bearer <token>`; without a token it is open unless `requireToken` is set. */
  token?: string;
  /** Without a token, answer 404 instead of serving the metrics (the reference app sets it in production). */
  requireToken?: boolean;
  /** Node's process metrics (CPU, memory, event loop lag) beside the module's; default true. */
  processMetrics?: boolean;
}

export interface ResolvedMetricsOptions {
  token?: string;
  requireToken: boolean;
  processMetrics: boolean;
}

export const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');

export function resolveMetricsOptions(options: MetricsOptions = {}): ResolvedMetricsOptions {
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length < 16)) {
    throw new Error('AuthModule: metrics.token must be at least 16 characters');
  }
  return {
    token: options.token,
    requireToken: options.requireToken ?? false,
    processMetrics: options.processMetrics ?? true,
  };
}
