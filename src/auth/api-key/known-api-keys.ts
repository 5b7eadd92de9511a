import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { RevocationBus } from '../core/revocation-bus';
import { ApiKey } from './api-key.entity';
import { KnownKeyIndex } from './known-key-index';

declare module '../core/revocation-bus' {
  interface RevocationEvents {
    /** A key was created (or issued by a rotation): its lookup id, the first 16 hex digits of its SHA-256. */
    apiKeyCreated: { lookupId: string };
  }
}

/** What the index says about a key that memory does not hold. */
export type KnownKeyVerdict =
  /** Its id is in the index: only the store can tell whether it is usable. */
  | 'known'
  /** Not in the index, which is current: absent unless it was created in the last moment (see `mayExist`). */
  | 'absent'
  /** The index cannot tell (not loaded yet, or the revocation log cannot be read): the store must. */
  | 'unsure';

const PAGE = 10_000;
const RETRY_LOAD_MS = 5_000;

/**
 * The lookup ids of every usable key at start, and of every key created since on any instance
 * (announced in the revocation log in the transaction that creates it, and over the bus), so that a
 * presented key that cannot exist is refused without a query, while a key that exists always reaches
 * the store, whatever else its client address sent.
 */
@Injectable()
export class KnownApiKeys implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KnownApiKeys.name);
  private readonly index = new KnownKeyIndex();
  private loaded = false;
  private retry?: NodeJS.Timeout;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly bus: RevocationBus,
  ) {}

  async onModuleInit(): Promise<void> {
    // Heard before the load starts, so a key created while it reads is in the index either way.
    this.bus.subscribe((event) => {
      if (event.type === 'apiKeyCreated') this.index.add(event.lookupId);
    });
    await this.load();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retry);
  }

  get size(): number {
    return this.index.size;
  }

  verdict(hash: string): KnownKeyVerdict {
    if (!this.loaded) return 'unsure';
    if (this.index.has(hash)) return 'known';
    return this.bus.isCurrent() ? 'absent' : 'unsure';
  }

  /**
   * For a key the index did not hold when it arrived (`arrivedAt`): whether it may exist after all.
   * A key created on another instance was announced in the log before its 201, so before the
   * request that presents it arrived; once this instance has read the log from a moment after the
   * arrival, the index holds it. Until then the answer waits, and a log that cannot be read says yes.
   */
  async mayExist(hash: string, arrivedAt: number): Promise<boolean> {
    if (!(await this.bus.readSince(arrivedAt))) return true;
    return this.index.has(hash);
  }

  private async load(): Promise<void> {
    try {
      const now = Date.now();
      let after = '';
      for (;;) {
        const rows = await this.keys.find({
          select: { id: true, keyHash: true, expiresAt: true },
          where: { revokedAt: IsNull(), id: MoreThan(after) },
          order: { id: 'ASC' },
          take: PAGE,
        });
        for (const row of rows) if (!row.expiresAt || row.expiresAt.getTime() > now) this.index.add(row.keyHash);
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1].id;
      }
      this.loaded = true;
    } catch (error) {
      // Until it loads, every key not in memory goes to the store, as with no index at all.
      this.logger.warn(`Cannot load the index of API keys, retrying in ${RETRY_LOAD_MS / 1000} s: ${String(error)}`);
      this.retry = setTimeout(() => void this.load(), RETRY_LOAD_MS);
      this.retry.unref();
    }
  }
}
