import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore, SessionData, Store } from 'express-session';
import { sha256Hex } from '../core/secrets';
import { HashedSessionStore } from './hashed-session.store';
import { SessionReadCache } from './session-read-cache';
import { sessionTtlSeconds } from './session-data';

const data = {
  cookie: { originalMaxAge: null },
  auth: { userId: 'u', email: 'e', roles: [], publicId: 'p', createdAt: Date.now() },
} as unknown as SessionData;

describe('HashedSessionStore', () => {
  it('stores under the SHA-256 of the session ID, never the ID itself', async () => {
    const inner = new MemoryStore();
    const store = new HashedSessionStore(
      inner,
      60_000,
      () => undefined,
      new SessionReadCache(0),
      () => undefined,
    );
    await new Promise((resolve) => store.set('the-session-id', data, resolve));
    const keys = Object.keys((inner as unknown as { sessions: Record<string, string> }).sessions);
    assert.deepEqual(keys, [sha256Hex('the-session-id')]);
    const loaded = await new Promise((resolve) => store.get('the-session-id', (_err, value) => resolve(value)));
    assert.equal((loaded as SessionData).auth?.userId, 'u');
  });

  it("never writes back a session ended here, nor the same content again at once (express-session's second write of a login)", async () => {
    const inner = new MemoryStore();
    let writes = 0;
    const set = inner.set.bind(inner);
    inner.set = (sid, session, callback) => {
      writes++;
      set(sid, session, callback);
    };
    const store = new HashedSessionStore(
      inner,
      60_000,
      () => undefined,
      new SessionReadCache(0),
      () => undefined,
    );
    const write = (sid: string, session: SessionData) => new Promise((resolve) => store.set(sid, session, resolve));
    const read = (sid: string) => new Promise((resolve) => store.get(sid, (_err, value) => resolve(value ?? null)));
    await write('login', data);
    await write('login', data);
    assert.equal(writes, 1);
    // A revocation ends the session between the login's save and express-session's write as the response ends.
    await new Promise((resolve) => store.destroy('login', resolve));
    await write('login', data);
    await write('login', { ...data, auth: { ...data.auth!, roles: ['admin'] } } as SessionData);
    assert.equal(await read('login'), null);
    assert.equal(writes, 1);
    await write('other', data);
    await write('other', { ...data, auth: { ...data.auth!, email: 'changed' } } as SessionData);
    assert.equal(writes, 3);
  });

  const touchCounting = (intervalMs: number) => {
    const inner = new MemoryStore();
    const counts = { touches: 0, activity: 0 };
    inner.touch = (_sid, _sess, callback) => {
      counts.touches++;
      callback?.();
    };
    for (const sid of ['a', 'b']) inner.set(sha256Hex(sid), data);
    const store = new HashedSessionStore(
      inner,
      intervalMs,
      () => counts.activity++,
      new SessionReadCache(1000),
      () => undefined,
    );
    const read = (sid: string) => new Promise((resolve) => store.get(sid, resolve));
    return { store, counts, read };
  };

  it('has no touch of its own, so express-session does not hash and touch after every response', () => {
    const { store } = touchCounting(60_000);
    assert.equal((store as Store).touch, undefined);
  });

  it('passes a touch on when a session is read, at most once per interval per session', async () => {
    const { counts, read } = touchCounting(60_000);
    for (let i = 0; i < 50; i++) await read('a');
    await read('b');
    assert.equal(counts.touches, 2);
    assert.equal(counts.activity, 2);
  });

  it('touches again once the interval has passed', async () => {
    const { counts, read } = touchCounting(0);
    await read('a');
    await read('a');
    assert.equal(counts.touches, 2);
  });

  it('does not touch a session it has just saved', async () => {
    const { store, counts, read } = touchCounting(60_000);
    await new Promise((resolve) => store.set('a', data, resolve));
    await read('a');
    assert.equal(counts.touches, 0);
  });
});

describe('HashedSessionStore read cache', () => {
  const countingStore = () => {
    const inner = new MemoryStore();
    let reads = 0;
    const get = inner.get.bind(inner);
    inner.get = (sid, callback) => {
      reads++;
      get(sid, callback);
    };
    return { inner, reads: () => reads };
  };
  const read = (store: HashedSessionStore, sid: string) =>
    new Promise<SessionData | null | undefined>((resolve) => store.get(sid, (_err, value) => resolve(value)));

  it('answers repeated reads from the cache, each with its own copy', async () => {
    const { inner, reads } = countingStore();
    const store = new HashedSessionStore(
      inner,
      60_000,
      () => undefined,
      new SessionReadCache(1000),
      () => undefined,
    );
    await new Promise((resolve) => store.set('sid', data, resolve));
    const first = await read(store, 'sid');
    const second = await read(store, 'sid');
    assert.equal(reads(), 1);
    assert.notEqual(first, second);
    assert.deepEqual(first, second);
  });

  it('forgets the session and announces its hash when it is destroyed', async () => {
    const { inner, reads } = countingStore();
    const announced: string[] = [];
    const store = new HashedSessionStore(
      inner,
      60_000,
      () => undefined,
      new SessionReadCache(60_000),
      (hash) => {
        announced.push(hash);
      },
    );
    await new Promise((resolve) => store.set('sid', data, resolve));
    await read(store, 'sid');
    await new Promise((resolve) => store.destroy('sid', resolve));
    assert.equal(await read(store, 'sid'), undefined);
    assert.equal(reads(), 2);
    assert.deepEqual(announced, [sha256Hex('sid')]);
  });

  it('serves an entry no longer than its time to live', () => {
    const cache = new SessionReadCache(1000);
    cache.set('h', '{}', 0);
    assert.equal(cache.get('h', 999)?.json, '{}');
    assert.equal(cache.get('h', 1000), undefined);
  });

  it('shares one frozen copy between the readers of an entry', () => {
    const cache = new SessionReadCache(1000);
    cache.set('h', JSON.stringify(data), 0);
    const first = cache.get('h', 1)!;
    assert.equal(cache.get('h', 2)!.session, first.session);
    assert.ok(Object.isFrozen(first.session.auth));
    assert.throws(() => (first.session.auth!.roles as string[]).push('admin'), TypeError);
  });
});

describe('sessionTtlSeconds', () => {
  const timeouts = { idleSeconds: 1800, absoluteSeconds: 43200 };

  it('is the idle timeout for a fresh session', () => {
    assert.equal(sessionTtlSeconds(data, timeouts, data.auth!.createdAt), 1800);
  });

  it('is cut short by the absolute timeout', () => {
    const now = data.auth!.createdAt + (43200 - 60) * 1000;
    assert.equal(sessionTtlSeconds(data, timeouts, now), 60);
  });

  it('never goes below one second', () => {
    assert.equal(sessionTtlSeconds(data, timeouts, data.auth!.createdAt + 50_000_000), 1);
  });
});
