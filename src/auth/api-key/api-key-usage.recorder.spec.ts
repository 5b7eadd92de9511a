import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Repository } from 'typeorm';
import { ApiKeyUsageRecorder, USAGE_WRITE_INTERVAL_MS } from './api-key-usage.recorder';
import { ApiKey } from './api-key.entity';

function recorder() {
  const writes: Array<{ id: string; at: number }> = [];
  const repository = {
    update: async (where: { id: string }, change: { lastUsedAt: Date }) => {
      writes.push({ id: where.id, at: change.lastUsedAt.getTime() });
      return { affected: 1 };
    },
  } as unknown as Repository<ApiKey>;
  return { usage: new ApiKeyUsageRecorder(repository), writes };
}

describe('ApiKeyUsageRecorder', () => {
  it('writes the first use at once and later uses at most once a minute per key', async () => {
    const { usage, writes } = recorder();
    usage.recordUse('k1', 1_000);
    usage.recordUse('k1', 2_000);
    usage.recordUse('k1', 30_000);
    usage.recordUse('k2', 30_000);
    await usage.flush(false, 40_000);
    assert.deepEqual(writes, [
      { id: 'k1', at: 1_000 },
      { id: 'k2', at: 30_000 },
    ]);
    await usage.flush(false, 1_000 + USAGE_WRITE_INTERVAL_MS);
    assert.deepEqual(writes.at(-1), { id: 'k1', at: 30_000 });
    assert.equal(writes.length, 3);
  });

  it('writes whatever is pending at shutdown', async () => {
    const { usage, writes } = recorder();
    usage.recordUse('k1', Date.now());
    const later = Date.now() + 5_000;
    usage.recordUse('k1', later);
    await usage.beforeApplicationShutdown();
    assert.deepEqual(writes.at(-1), { id: 'k1', at: later });
  });

  it('keeps a use whose write failed and writes it with the next flush', async () => {
    const writes: Array<{ id: string; at: number }> = [];
    let databaseUp = false;
    const repository = {
      update: async (where: { id: string }, change: { lastUsedAt: Date }) => {
        if (!databaseUp) throw new Error('connection refused');
        writes.push({ id: where.id, at: change.lastUsedAt.getTime() });
        return { affected: 1 };
      },
    } as unknown as Repository<ApiKey>;
    const usage = new ApiKeyUsageRecorder(repository);
    usage.recordUse('k1', 1_000);
    await new Promise((resolve) => setImmediate(resolve));
    await usage.flush(false, 2_000);
    assert.deepEqual(writes, []);
    databaseUp = true;
    await usage.flush(false, 3_000);
    assert.deepEqual(writes, [{ id: 'k1', at: 1_000 }]);
  });
});
