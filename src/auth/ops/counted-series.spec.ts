import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { PlainHistogram, TwoLabelTally } from './counted-series';

/** The series of a scrape, in any order: Prometheus reads them so. */
const seriesOf = async (registry: Registry) => (await registry.metrics()).split('\n').sort();

const BOUNDS = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5];
const SAMPLES = [0.000004, 0.00001, 0.00002, 0.0003, 0.0003, 0.002, 0.07, 0.5, 0.9, 3];

describe('PlainHistogram', () => {
  it('writes what prom-client’s Histogram writes for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const plain = new PlainHistogram('guard_seconds', 'Time', BOUNDS, ours);
    const reference = new Histogram({ name: 'guard_seconds', help: 'Time', buckets: BOUNDS, registers: [theirs] });
    for (const value of SAMPLES) {
      plain.observe(value);
      reference.observe(value);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
    const asJson = async (registry: Registry) => JSON.stringify(await registry.getMetricsAsJSON());
    assert.equal(await asJson(ours), await asJson(theirs));
  });
});

describe('TwoLabelTally', () => {
  it('reports at scrape time what prom-client’s Counter counts with labels', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const tally = new TwoLabelTally({
      name: 'requests_total',
      help: 'Requests',
      labelNames: ['mechanism', 'outcome'],
      registry: ours,
    });
    const reference = new Counter({
      name: 'requests_total',
      help: 'Requests',
      labelNames: ['mechanism', 'outcome'],
      registers: [theirs],
    });
    const calls: Array<[string, string]> = [
      ['jwt', 'success'],
      ['jwt', 'success'],
      ['none', 'refused'],
      ['apiKey', 'limited'],
      ['jwt', 'forbidden'],
    ];
    for (const [mechanism, outcome] of calls) {
      tally.inc(mechanism, outcome);
      reference.inc({ mechanism, outcome });
    }
    assert.deepEqual(await seriesOf(ours), await seriesOf(theirs));
    // Counting on after a scrape continues from where it was.
    tally.inc('jwt', 'success');
    reference.inc({ mechanism: 'jwt', outcome: 'success' });
    assert.deepEqual(await seriesOf(ours), await seriesOf(theirs));
  });
});
