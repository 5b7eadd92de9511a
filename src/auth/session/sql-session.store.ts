import { SessionData, Store } from 'express-session';
import { LessThan, Repository } from 'typeorm';
import { SessionRecord } from './session-record.entity';

type Callback = (err?: unknown, data?: SessionData | null) => void;

/** express-session store over a TypeORM table, so the embedded app keeps its sessions across restarts. */
export class SqlSessionStore extends Store {
  constructor(
    private readonly records: Repository<SessionRecord>,
    private readonly ttlSeconds: (session: SessionData) => number,
  ) {
    super();
  }

  get(sid: string, callback: Callback): void {
    this.records
      .findOneBy({ sidHash: sid })
      .then((record) => {
        if (!record || record.expiresAt.getTime() <= Date.now()) return callback(undefined, null);
        callback(undefined, JSON.parse(record.data));
      })
      .catch(callback);
  }

  set(sid: string, session: SessionData, callback?: Callback): void {
    const record = { sidHash: sid, data: JSON.stringify(session), expiresAt: this.expiryOf(session) };
    this.records
      .upsert(record, ['sidHash'])
      .then(() => callback?.())
      .catch((err) => callback?.(err));
  }

  touch(sid: string, session: SessionData, callback?: () => void): void {
    this.records
      .update({ sidHash: sid }, { expiresAt: this.expiryOf(session) })
      .then(() => callback?.())
      .catch(() => callback?.());
  }

  destroy(sid: string, callback?: Callback): void {
    this.records
      .delete({ sidHash: sid })
      .then(() => callback?.())
      .catch((err) => callback?.(err));
  }

  async pruneExpired(): Promise<void> {
    await this.records.delete({ expiresAt: LessThan(new Date()) });
  }

  private expiryOf(session: SessionData): Date {
    return new Date(Date.now() + this.ttlSeconds(session) * 1000);
  }
}
