import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiKey } from './api-key.entity';

export const USAGE_WRITE_INTERVAL_MS = 60_000;

/**
 * Write-behind of `lastUsedAt`: at most one UPDATE per key per minute, never on the request path.
 * A key's first use in this process is written at once (off the request), later uses within the
 * minute wait for the periodic flush, and whatever is pending is written at shutdown.
 */
@Injectable()
export class ApiKeyUsageRecorder implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(ApiKeyUsageRecorder.name);
  private readonly lastWritten = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(false), Math.min(10_000, USAGE_WRITE_INTERVAL_MS));
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush(true);
  }

  recordUse(keyId: string, now = Date.now()): void {
    const last = this.lastWritten.get(keyId);
    if (last !== undefined && now - last < USAGE_WRITE_INTERVAL_MS) {
      this.pending.set(keyId, now);
      return;
    }
    this.pending.delete(keyId);
    this.lastWritten.set(keyId, now);
    void this.write(keyId, now);
  }

  /** Writes pending uses whose key was last written a minute ago or more (all of them when `everything`). */
  async flush(everything: boolean, now = Date.now()): Promise<void> {
    const due: Array<[string, number]> = [];
    for (const [keyId, usedAt] of this.pending) {
      if (everything || now - (this.lastWritten.get(keyId) ?? 0) >= USAGE_WRITE_INTERVAL_MS) due.push([keyId, usedAt]);
    }
    for (const [keyId] of due) {
      this.pending.delete(keyId);
      this.lastWritten.set(keyId, now);
    }
    await Promise.all(due.map(([keyId, usedAt]) => this.write(keyId, usedAt)));
    this.forgetIdle(now);
  }

  /** The naive path when the cache is off: one UPDATE per request, awaited. */
  async writeNow(keyId: string, now = Date.now()): Promise<void> {
    await this.keys.update({ id: keyId }, { lastUsedAt: new Date(now) });
  }

  /** Forgets keys that were not used for a whole interval, so the maps stay as small as the set of active keys. */
  private forgetIdle(now: number): void {
    const idle = [...this.lastWritten].filter(
      ([keyId, at]) => !this.pending.has(keyId) && now - at >= USAGE_WRITE_INTERVAL_MS,
    );
    for (const [keyId] of idle) this.lastWritten.delete(keyId);
  }

  /** A write that fails (the database is away) goes back to the pending uses, for the next flush: no use is lost. */
  private async write(keyId: string, usedAt: number): Promise<void> {
    try {
      await this.keys.update({ id: keyId }, { lastUsedAt: new Date(usedAt) });
    } catch (error) {
      this.logger.warn(`Could not record API key use, will retry: ${String(error)}`);
      const newer = this.pending.get(keyId);
      if (newer === undefined || newer < usedAt) this.pending.set(keyId, usedAt);
      this.lastWritten.set(keyId, Number.NEGATIVE_INFINITY);
    }
  }
}
