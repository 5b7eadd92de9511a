/** How a guarded request ended. */
export type GuardOutcome = 'success' | 'refused' | 'forbidden' | 'limited' | 'unavailable';
export type LoginOutcome = 'success' | 'failure' | 'locked' | 'unverified';
export type CacheResult = 'hit' | 'miss' | 'bypass';

/**
 * What the module tells about its own work, for metrics. Core and the mechanisms call it; what it
 * does is the ops feature's business (Prometheus counters). Every call is cheap and returns nothing:
 * it runs on the hot path.
 */
export abstract class AuthTelemetry {
  /** One guarded request: the mechanism that decided (`none` when the request carried no credential the route takes). */
  abstract guarded(mechanism: string, outcome: GuardOutcome, seconds: number): void;
  abstract login(method: string, outcome: LoginOutcome): void;
  abstract lockout(): void;
  abstract refreshReuse(): void;
  abstract cacheLookup(cache: string, result: CacheResult): void;
  /** Audit events waiting for the database now, and dropped since the start (a host's telemetry may ignore it). */
  auditBacklog(_waiting: number, _dropped: number): void {}
  /** One webhook delivery attempt: delivered (2xx), to be retried, or given up on. */
  webhookDelivery(_outcome: 'delivered' | 'retry' | 'failed'): void {}
  /** Webhook deliveries neither delivered nor given up on yet, on every instance together. */
  webhookBacklog(_waiting: number): void {}
}

/** Counts nothing: for a module composed without the ops feature, and for unit tests. */
export class NoTelemetry extends AuthTelemetry {
  guarded(): void {}
  login(): void {}
  lockout(): void {}
  refreshReuse(): void {}
  cacheLookup(): void {}
}
