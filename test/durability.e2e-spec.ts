import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { connect } from 'node:net';
import { DataSource } from 'typeorm';
import { drain } from '../src/app.shutdown';
import { AuditLog } from '../src/auth';
import { AuthEventType } from '../src/auth/audit/auth-event.entity';
import {
  ChildApp,
  login,
  LoggedIn,
  PASSWORD,
  register,
  startApp,
  startAppProcess,
  storageMode,
  uniqueEmail,
} from './support/app';
import { totp } from './support/totp';

const USERS = 10;
const NEW_PASSWORD = 'a new and longer passphrase';

/** What a changed user must have after the restart: an event per answered change, and the notice of a password change. */
interface Answered {
  user: LoggedIn;
  passwordChanged: boolean;
  keyRevoked?: string;
  familyRevoked: boolean;
  mfaOn: boolean;
  disabled: boolean;
}

describe(`what survives a kill -9 right after the last 2xx (${storageMode})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-crash-'));
  const adminEmail = uniqueEmail('admin');
  const instances: ChildApp[] = [];
  after(async () => {
    for (const instance of instances) await instance.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds every audit event and every promised notice of the answered changes after a restart', async () => {
    const first = await startAppProcess({
      DATA_DIR: dataDir,
      AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
    instances.push(first);
    const admin = await login(first.url, adminEmail, PASSWORD, false);
    const users = await Promise.all(Array.from({ length: USERS }, () => login(first.url)));
    const keys = await Promise.all(
      users.map(
        async (user) =>
          (
            await user.agent
              .post('/auth/api-keys')
              .set('X-CSRF-Token', user.csrfToken)
              .send({ name: 'crash' })
              .expect(201)
          ).body.id as string,
      ),
    );

    const refreshTokens = await Promise.all(
      users.map(
        async (user) =>
          (
            await request(first.url)
              .post('/auth/token')
              .send({ email: user.user.email, password: PASSWORD })
              .expect(200)
          ).body.refresh_token as string,
      ),
    );
    // TOTP secrets pending, to be confirmed among the changes (the confirmation is the change that turns MFA on).
    const totpSecrets = await Promise.all(
      users.map(
        async (user) =>
          (
            await user.agent
              .post('/auth/mfa/totp')
              .set('X-CSRF-Token', user.csrfToken)
              .send({ currentPassword: PASSWORD })
              .expect(201)
          ).body.secret as string,
      ),
    );

    // Every user's changes run side by side; the process is killed in the callback of the last 2xx, before anything else runs.
    const answered: Answered[] = users.map((user) => ({
      user,
      passwordChanged: false,
      familyRevoked: false,
      mfaOn: false,
      disabled: false,
    }));
    let pending = USERS;
    const killed = new Promise<void>((resolve) => first.child.once('exit', () => resolve()));
    await Promise.all(
      users.map(async (user, i) => {
        await user.agent.delete(`/auth/api-keys/${keys[i]}`).set('X-CSRF-Token', user.csrfToken).expect(204);
        answered[i].keyRevoked = keys[i];
        await request(first.url).post('/auth/token/revoke').send({ refresh_token: refreshTokens[i] }).expect(200);
        answered[i].familyRevoked = true;
        const changed = await user.agent
          .post('/auth/password')
          .set('X-CSRF-Token', user.csrfToken)
          .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
          .expect(204);
        answered[i].passwordChanged = true;
        // The password change renewed the session, and with it the CSRF token.
        const csrfToken = String(changed.headers['x-csrf-token'] ?? user.csrfToken);
        await user.agent
          .post('/auth/mfa/totp/confirm')
          .set('X-CSRF-Token', csrfToken)
          .send({ code: totp(totpSecrets[i]) })
          .expect(200);
        answered[i].mfaOn = true;
        if (i % 2 === 0) {
          await admin.agent
            .post(`/auth/admin/users/${user.user.id}/disable`)
            .set('X-CSRF-Token', admin.csrfToken)
            .expect(204);
          answered[i].disabled = true;
        }
        if (--pending === 0) first.child.kill('SIGKILL');
      }),
    );
    await killed;

    const second = await startAppProcess({ ...first.env });
    instances.push(second);
    const reader = await login(second.url, adminEmail, PASSWORD, false);
    const events = async (type: string) =>
      (await reader.agent.get(`/auth/admin/audit?type=${type}&limit=500`).expect(200)).body as Array<{
        userId: string;
        detail: Record<string, string> | null;
      }>;
    const changed = new Set((await events('password.changed')).map((event) => event.userId));
    const revoked = new Set((await events('api_key.revoked')).map((event) => event.detail?.keyId));
    const disabled = new Set((await events('user.disabled')).map((event) => event.userId));
    const familiesRevoked = new Set((await events('token_family.revoked')).map((event) => event.userId));
    const mfaOn = new Set((await events('mfa.totp_enabled')).map((event) => event.userId));
    const missing: string[] = [];
    for (const {
      user,
      passwordChanged,
      keyRevoked,
      familyRevoked,
      mfaOn: turnedOn,
      disabled: wasDisabled,
    } of answered) {
      if (passwordChanged && !changed.has(user.user.id)) missing.push(`password.changed of ${user.user.id}`);
      if (keyRevoked && !revoked.has(keyRevoked)) missing.push(`api_key.revoked of ${keyRevoked}`);
      if (familyRevoked && !familiesRevoked.has(user.user.id)) missing.push(`token_family.revoked of ${user.user.id}`);
      if (turnedOn && !mfaOn.has(user.user.id)) missing.push(`mfa.totp_enabled of ${user.user.id}`);
      if (wasDisabled && !disabled.has(user.user.id)) missing.push(`user.disabled of ${user.user.id}`);
    }
    const count = answered.reduce(
      (sum, a) =>
        sum +
        Number(a.passwordChanged) +
        Number(!!a.keyRevoked) +
        Number(a.familyRevoked) +
        Number(a.mfaOn) +
        Number(a.disabled),
      0,
    );
    assert.deepEqual(missing, [], `${missing.length} of ${count} answered changes have no audit event`);

    // The restarted instance sends what was queued: a password-change notice to every user whose change answered,
    // and a notice of the new second factor to every user whose MFA confirmation answered.
    const outbox = join(dataDir, 'outbox');
    const notices = [
      { kind: 'password_changed', expected: answered.filter((a) => a.passwordChanged).map((a) => a.user.user.email) },
      { kind: 'sign_in_changed', expected: answered.filter((a) => a.mfaOn).map((a) => a.user.user.email) },
    ];
    for (const { kind, expected } of notices) {
      let unsent = expected;
      // A notice the killed instance had claimed but not sent stays locked for the queue's 60 s lock, then goes
      // out from the restarted one: at least once, up to a minute late.
      for (let tries = 0; tries < 300 && unsent.length; tries++) {
        await sleep(250);
        const noticed = existsSync(outbox)
          ? readdirSync(outbox)
              .filter((name) => name.includes(`-${kind}-`))
              .map((name) => readFileSync(join(outbox, name), 'utf8'))
          : [];
        unsent = expected.filter((email) => !noticed.some((mail) => mail.includes(`To: ${email}`)));
      }
      assert.deepEqual(unsent, [], `${unsent.length} of ${expected.length} promised ${kind} notices never went out`);
    }
  });
});

describe(`audit reading for operators (${storageMode})`, () => {
  it('pages by cursor within from/to, keeps the array without a cursor, and exports a range as NDJSON', async () => {
    const instance = await startAppProcess({
      AUTH_BOOTSTRAP_ADMIN_EMAIL: uniqueEmail('admin'),
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
    try {
      const admin = await login(instance.url, instance.env.AUTH_BOOTSTRAP_ADMIN_EMAIL as string, PASSWORD, false);
      const from = new Date().toISOString();
      const user = await login(instance.url);
      for (let i = 0; i < 5; i++)
        await user.agent
          .post('/auth/api-keys')
          .set('X-CSRF-Token', user.csrfToken)
          .send({ name: `k${i}` })
          .expect(201);
      await sleep(5);
      const to = new Date().toISOString();
      await user.agent.post('/auth/api-keys').set('X-CSRF-Token', user.csrfToken).send({ name: 'later' }).expect(201);

      const range = `userId=${user.user.id}&type=api_key.created&from=${from}&to=${to}`;
      const array = (await admin.agent.get(`/auth/admin/audit?${range}`).expect(200)).body as unknown[];
      assert.ok(Array.isArray(array), 'without a cursor the answer is the array it always was');
      assert.equal(array.length, 5, 'the event after `to` is left out');

      const seen: string[] = [];
      let cursor: string | null = '';
      for (let pages = 0; cursor !== null; pages++) {
        assert.ok(pages < 5, 'the pages end');
        const page = (
          await admin.agent.get(`/auth/admin/audit?${range}&limit=2&cursor=${encodeURIComponent(cursor)}`).expect(200)
        ).body as { items: Array<{ id: string; createdAt: string }>; nextCursor: string | null };
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      }
      assert.equal(seen.length, 5);
      assert.equal(new Set(seen).size, 5, 'no event twice across pages');
      assert.deepEqual(
        seen,
        (array as Array<{ id: string }>).map((event) => event.id),
        'pages follow the same newest-first order',
      );
      await admin.agent.get('/auth/admin/audit?cursor=not-a-cursor').expect(400);
      await admin.agent.get('/auth/admin/audit?from=yesterday').expect(400);

      const exported = await admin.agent
        .get(`/auth/admin/audit/export?userId=${user.user.id}&from=${from}`)
        .expect(200);
      assert.match(String(exported.headers['content-type']), /^application\/x-ndjson/);
      const lines = String(exported.text ?? exported.body)
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; createdAt: string });
      assert.deepEqual(
        lines.filter((line) => line.type === 'api_key.created').length,
        6,
        'the export holds every key creation from `from` on',
      );
      const times = lines.map((line) => Date.parse(line.createdAt));
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
        'oldest first',
      );
      await request(instance.url).get('/auth/admin/audit/export').expect(401);
      await user.agent.get('/auth/admin/audit/export').expect(403);
    } finally {
      await instance.close();
    }
  });
});

/** One request on a connection of its own (as through a load balancer): the status, or the error's code. */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<number | string> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      `${url}${path}`,
      { method, agent: false, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    req.end(payload);
  });
}

describe(`SIGTERM under load, two instances (${storageMode})`, () => {
  it('answers every request it has read, none with 5xx, and exits in bounded time; the other instance serves meanwhile', async () => {
    // The instance told to stop stays up, not ready, for a second and a half: long enough for the probe below to see it.
    const instances = [await startAppProcess({ SHUTDOWN_DELAY_MS: '1500' }), await startAppProcess()];
    try {
      // Credentials of each instance's own: the instances share nothing in embedded mode.
      const credentials = async (url: string) => {
        const email = uniqueEmail();
        const user = await login(url, email);
        // A limit far above what the load sends: a 429 here would be the key's own limit, not the shutdown under test.
        const created = await user.agent
          .post('/auth/api-keys')
          .set('X-CSRF-Token', user.csrfToken)
          .send({ name: 'load', rateLimitPerMinute: 1_000_000 })
          .expect(201);
        const key = created.body.key as string;
        return { url, email, cookie: user.cookie, csrfToken: user.csrfToken, key, ready: true };
      };
      const targets = [await credentials(instances[0].url), await credentials(instances[1].url)];
      const outcomes = new Map<string, number>();
      const count = (what: string) => outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
      let signalled = false;
      let inFlightAtSignal = 0;
      let answeredAfterSignal = 0;
      const stopAt = Date.now() + 8000;
      // The load balancer: probes readiness every 100 ms and sends only to instances that are ready.
      const probing = (async () => {
        while (Date.now() < stopAt) {
          await Promise.all(
            targets.map(
              async (target) => (target.ready = (await send(target.url, 'GET', '/health/ready', {})) === 200),
            ),
          );
          await sleep(100);
        }
      })();

      const one = async (n: number) => {
        const kinds = ['me', 'me', 'create', 'login'] as const;
        const kind = kinds[n % kinds.length];
        // Round robin; a refused connection (the instance is down) goes to the other, as a load balancer does.
        for (let attempt = 0; attempt < 2; attempt++) {
          const preferred = targets[(n + attempt) % 2];
          const target = preferred.ready ? preferred : targets[(n + attempt + 1) % 2];
          const startedBeforeSignal = !signalled && target === targets[0];
          if (startedBeforeSignal) inFlightAtSignal++;
          const outcome =
            kind === 'me'
              ? await send(target.url, 'GET', '/auth/me', { 'x-api-key': target.key })
              : kind === 'create'
                ? await send(
                    target.url,
                    'POST',
                    '/auth/api-keys',
                    { cookie: target.cookie, 'x-csrf-token': target.csrfToken },
                    { name: 'x' },
                  )
                : await send(target.url, 'POST', '/auth/login', {}, { email: target.email, password: PASSWORD });
          if (startedBeforeSignal) {
            inFlightAtSignal--;
            if (signalled && typeof outcome === 'number') answeredAfterSignal++;
          }
          if (outcome === 'ECONNREFUSED') {
            count('refused, sent to the other instance');
            continue;
          }
          count(typeof outcome === 'number' ? `${kind} ${outcome}` : `${kind} ${outcome}`);
          return;
        }
      };
      const worker = async (id: number) => {
        for (let n = id; Date.now() < stopAt; n += 8) await one(n);
      };

      let inFlightWhenSignalled = 0;
      const restart = (async () => {
        await sleep(2000);
        const first = instances[0];
        const exited = new Promise<number | null>((resolve) => first.child.once('exit', (code) => resolve(code)));
        signalled = true;
        inFlightWhenSignalled = inFlightAtSignal;
        const signalledAt = Date.now();
        first.child.kill('SIGTERM');
        const code = await exited;
        const tookMs = Date.now() - signalledAt;
        instances[0] = await startAppProcess({ ...first.env });
        targets[0].url = instances[0].url;
        return { code, tookMs };
      })();
      await Promise.all(Array.from({ length: 8 }, (_, id) => worker(id)));
      const { code, tookMs } = await restart;
      await probing;

      const report = JSON.stringify(Object.fromEntries(outcomes));
      const bad = [...outcomes.keys()].filter((what) => !/ (200|201)$/.test(what) && !what.startsWith('refused'));
      assert.deepEqual(bad, [], `every request read was answered, none with 5xx: ${report}`);
      assert.equal(code, 0, 'the instance exits 0 after draining');
      assert.ok(tookMs < 15_000, `it exits within the drain bound (took ${tookMs} ms)`);
      assert.ok(inFlightWhenSignalled > 0, `requests were in flight on the instance at SIGTERM (${report})`);
      assert.ok(answeredAfterSignal > 0, 'requests in flight at SIGTERM got their answers');
    } finally {
      for (const instance of instances) await instance.close();
    }
  });
});

describe(`drain (${storageMode})`, () => {
  it('answers a request whose body is still arriving when the listener closes, and refuses new connections', async () => {
    const t = await startApp();
    const port = Number(new URL(t.url).port);
    const body = JSON.stringify({ email: uniqueEmail(), password: PASSWORD });
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const ended = new Promise<string>((resolve) => {
      socket.on('close', () => resolve(answer));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
    });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.slice(0, 10));
    await sleep(200);
    const drained = drain(t.app, 5000);
    await sleep(300);
    assert.equal(await send(t.url, 'GET', '/health', {}), 'ECONNREFUSED', 'no new connection once draining');
    socket.write(body.slice(10));
    const response = await ended;
    assert.match(response, /^HTTP\/1\.1 401 /, `the request already read is answered: ${response.slice(0, 80)}`);
    await drained;
    await t.close();
  });
});

describe(`an audit event that does not fit, and a database that takes none (${storageMode})`, () => {
  it('stores a poison event cut and marked, and the events after it', async () => {
    const t = await startApp();
    try {
      const audit = t.app.get(AuditLog);
      const user = await register(t.url);
      const long = `oidc:${'a-provider-name-of-some-length'.repeat(2)}`;
      await audit.record({
        type: 'identity.linked',
        userId: user.id,
        mechanism: long,
        detail: { provider: long, note: 'nul\u0000byte' },
      });
      await audit.record({ type: 'no.such_type' as AuthEventType, userId: user.id, mechanism: 'jwt' });
      await audit.record({ type: 'login.failed', userId: user.id, mechanism: long });
      await audit.record({ type: 'logout', userId: user.id, mechanism: 'session' });
      await audit.flush();
      const stored = (await audit.query({ userId: user.id, limit: 50 }))!.items;
      const byType = new Map(stored.map((event) => [event.type as string, event]));
      const linked = byType.get('identity.linked');
      assert.ok(linked, 'the too-long event is stored');
      assert.equal(linked.mechanism, long.slice(0, 16), 'cut to its column');
      assert.equal(linked.detail?.truncated, 'mechanism');
      assert.equal(byType.get('no.such_type')?.detail?.error, 'unknown type', 'an unknown type is stored, marked');
      assert.equal(byType.get('login.failed')?.mechanism, long.slice(0, 16), 'a buffered one is cut too');
      assert.ok(byType.get('logout'), 'the events after them are stored');
      assert.equal(audit.status().state, 'current');
      await request(t.url).get('/health/ready').expect(200);
    } finally {
      await t.close();
    }
  });

  it('reports audit: behind in readiness and metrics while events wait, and writes them once the table is back', async () => {
    const t = await startApp();
    const database = t.app.get(DataSource);
    try {
      const audit = t.app.get(AuditLog);
      const user = await register(t.url);
      await database.query('ALTER TABLE auth_events RENAME TO auth_events_away');
      let restored = false;
      try {
        await request(t.url).post('/auth/login').send({ email: user.email, password: 'not the password' }).expect(401);
        await audit.record({ type: 'logout', userId: user.id, mechanism: 'session' });
        await audit.flush();
        const ready = await request(t.url).get('/health/ready').expect(503);
        assert.equal(ready.body.error?.audit?.state, 'behind', JSON.stringify(ready.body));
        assert.ok(ready.body.error.audit.waiting >= 2);
        const metrics = (await request(t.url).get('/metrics').expect(200)).text;
        const waiting = Number(/^auth_audit_events_waiting (\d+)/m.exec(metrics)?.[1]);
        assert.ok(waiting >= 2, `auth_audit_events_waiting counts them: ${waiting}`);
        assert.match(metrics, /^auth_audit_events_dropped_total 0$/m);
        await database.query('ALTER TABLE auth_events_away RENAME TO auth_events');
        restored = true;
      } finally {
        if (!restored) await database.query('ALTER TABLE auth_events_away RENAME TO auth_events');
      }
      await audit.flush();
      await request(t.url).get('/health/ready').expect(200);
      const types = (await audit.query({ userId: user.id, limit: 50 }))!.items.map((event) => event.type);
      assert.ok(
        types.includes('login.failed') && types.includes('logout'),
        `the waiting events are written: ${types.join(', ')}`,
      );
    } finally {
      await t.close();
    }
  });
});
