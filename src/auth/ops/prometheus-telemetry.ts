import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { AuthTelemetry, CacheResult, GuardOutcome, LoginOutcome } from '../core/auth-telemetry';
import { RevocationBus } from '../core/revocation-bus';
import { METRICS_OPTIONS, ResolvedMetricsOptions } from './metrics.options';
import { PlainHistogram, TwoLabelTally } from './counted-series';

/**
 * The module's Prometheus series, in a registry of this AuthModule's own (never prom-client's global
 * one). Labels are few and fixed (mechanism, method, outcome, cache, result): never a user, an
 * email or a key. What the guard and the caches count on every request is kept as plain numbers and
 * handed to prom-client at scrape time (`TwoLabelTally`, `PlainHistogram`): a count on the hot path
 * makes no label object or string.
 */
@Injectable()
export class PrometheusTelemetry extends AuthTelemetry {
  readonly registry = new Registry();
  private readonly requests = new TwoLabelTally({
    name: 'auth_requests_total',
    help: 'Guarded requests, by the mechanism that decided and how it ended',
    labelNames: ['mechanism', 'outcome'],
    registry: this.registry,
  });
  private readonly logins = new TwoLabelTally({
    name: 'auth_logins_total',
    help: 'Logins, by way of signing in and outcome',
    labelNames: ['method', 'outcome'],
    registry: this.registry,
  });
  private readonly lockouts = new Counter({
    name: 'auth_lockouts_total',
    help: 'Attempts refused while their account backs off',
    registers: [this.registry],
  });
  private readonly reuses = new Counter({
    name: 'auth_refresh_reuse_total',
    help: 'Spent refresh tokens presented again (their family is revoked)',
    registers: [this.registry],
  });
  private readonly lookups = new TwoLabelTally({
    name: 'auth_cache_lookups_total',
    help: 'Per-instance cache look-ups: hit, miss, or bypass while the instance is not current',
    labelNames: ['cache', 'result'],
    registry: this.registry,
  });
  private readonly duration = new PlainHistogram(
    'auth_guard_duration_seconds',
    'Time the guard spends on a guarded request',
    [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
    this.registry,
  );
  private readonly auditWaiting = new Gauge({
    name: 'auth_audit_events_waiting',
    help: 'Audit events held in memory because the database did not take them yet',
    registers: [this.registry],
  });
  private readonly auditDropped = new Counter({
    name: 'auth_audit_events_dropped_total',
    help: 'Audit events dropped because too many waited for the database',
    registers: [this.registry],
  });
  private auditDroppedSoFar = 0;
  private readonly webhookAttempts = new Counter({
    name: 'auth_webhook_deliveries_total',
    help: 'Webhook delivery attempts: delivered (2xx), retry (to be tried again), failed (given up after the retry window)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly webhookWaiting = new Gauge({
    name: 'auth_webhook_outbox_waiting',
    help: 'Webhook deliveries neither delivered nor given up on yet',
    registers: [this.registry],
  });

  constructor(@Inject(METRICS_OPTIONS) options: ResolvedMetricsOptions, bus: RevocationBus) {
    super();
    new Gauge({
      name: 'auth_revocation_bus_up',
      help: '1 while the instance is current with the revocation log (per-instance caches answer), 0 while it is not',
      registers: [this.registry],
      collect() {
        this.set(bus.isCurrent() ? 1 : 0);
      },
    });
    // Without Redis there is no subscription to report on.
    if (bus.status().subscriber !== 'not configured')
      new Gauge({
        name: 'auth_revocation_subscriber_up',
        help: '1 while the instance hears its own heartbeat on the Redis revocation channel',
        registers: [this.registry],
        collect() {
          this.set(bus.status().subscriber === 'up' ? 1 : 0);
        },
      });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  auditBacklog(waiting: number, dropped: number): void {
    this.auditWaiting.set(waiting);
    if (dropped > this.auditDroppedSoFar) this.auditDropped.inc(dropped - this.auditDroppedSoFar);
    this.auditDroppedSoFar = dropped;
  }

  webhookDelivery(outcome: 'delivered' | 'retry' | 'failed'): void {
    this.webhookAttempts.labels(outcome).inc();
  }

  webhookBacklog(waiting: number): void {
    this.webhookWaiting.set(waiting);
  }

  guarded(mechanism: string, outcome: GuardOutcome, seconds: number): void {
    this.requests.inc(mechanism, outcome);
    this.duration.observe(seconds);
  }

  login(method: string, outcome: LoginOutcome): void {
    this.logins.inc(method, outcome);
  }

  lockout(): void {
    this.lockouts.inc();
  }

  refreshReuse(): void {
    this.reuses.inc();
  }

  cacheLookup(cache: string, result: CacheResult): void {
    this.lookups.inc(cache, result);
  }
}
