import { Counter, Registry } from 'prom-client';

/**
 * Counts by two label values, kept as plain numbers and handed to a prom-client `Counter` only when
 * the registry is scraped. prom-client's own `inc`, even on a label child made once, builds a string
 * of the labels and checks them on every call; here a count on the hot path is two map look-ups and
 * an addition, and the label objects are made once per series, at scrape time.
 */
export class TwoLabelTally {
  private readonly counts = new Map<string, Map<string, { value: number }>>();

  constructor(series: { name: string; help: string; labelNames: [string, string]; registry: Registry }) {
    const counts = this.counts;
    const [first, second] = series.labelNames;
    new Counter({
      name: series.name,
      help: series.help,
      labelNames: series.labelNames,
      registers: [series.registry],
      // At each scrape, before the counter reports its values.
      collect() {
        this.reset();
        for (const [a, bySecond] of counts)
          for (const [b, count] of bySecond) this.inc({ [first]: a, [second]: b }, count.value);
      },
    });
  }

  inc(first: string, second: string): void {
    let bySecond = this.counts.get(first);
    if (!bySecond) this.counts.set(first, (bySecond = new Map()));
    const count = bySecond.get(second);
    if (count) count.value++;
    else bySecond.set(second, { value: 1 });
  }
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
  exemplar?: null;
}

/**
 * A Prometheus histogram without labels, in the text prom-client's `Histogram` writes, whose
 * `observe` is a walk over the bounds and two additions: prom-client's builds a label hash and a
 * closure on every call. Registered in a `Registry` like any prom-client metric.
 */
export class PlainHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    this.counts = new Float64Array(bounds.length);
    registry.registerMetric(this as never);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    if (i < bounds.length) this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    const values: MetricValue[] = [];
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += this.counts[i];
      values.push({ value: cumulative, metricName: `${this.name}_bucket`, exemplar: null, labels: { le } });
    });
    values.push(
      { value: this.count, metricName: `${this.name}_bucket`, exemplar: null, labels: { le: '+Inf' } },
      { value: this.sum, metricName: `${this.name}_sum`, labels: {} },
      { value: this.count, metricName: `${this.name}_count`, labels: {} },
    );
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }
}
