import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import {
  ChildApp,
  login,
  LoggedIn,
  PASSWORD,
  register,
  startApp,
  startAppProcess,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';
import { WebhooksService } from '../src/auth/webhooks/webhooks.service';

interface Received {
  /** The path it was posted to: each endpoint of a test has its own. */
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  parsed: { type: string; timestamp: string; data: { id: string; userId: string | null } };
}

/** A real webhook receiver: records every request; `answer` picks the status of each. */
class Receiver {
  readonly received: Received[] = [];
  answer: (delivery: Received, seen: number) => number = () => 200;
  delayMs = 0;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const delivery: Received = {
          path: req.url ?? '',
          id: header(req.headers, 'webhook-id'),
          timestamp: header(req.headers, 'webhook-timestamp'),
          signature: header(req.headers, 'webhook-signature'),
          body,
          parsed: JSON.parse(body) as Received['parsed'],
        };
        this.received.push(delivery);
        const seen = this.received.filter((r) => r.id === delivery.id && r.path === delivery.path).length;
        setTimeout(() => res.writeHead(this.answer(delivery, seen)).end(), this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** What was posted to the endpoint at `url`. */
  at(url: string): Received[] {
    const path = new URL(url).pathname;
    return this.received.filter((r) => r.path === path);
  }

  async until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${this.received.length} received)`);
      await sleep(100);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** Whether Standard Webhooks' own verification accepts the delivery under `secret`. */
function verifies(delivery: Received, secret: string): boolean {
  try {
    new Webhook(secret).verify(delivery.body, {
      'webhook-id': delivery.id,
      'webhook-timestamp': delivery.timestamp,
      'webhook-signature': delivery.signature,
    });
    return true;
  } catch {
    return false;
  }
}

let endpoints = 0;

/** An endpoint with a path of its own on the receiver (`url` ends with `/`), so that each test tells its deliveries apart. */
async function createWebhook(admin: LoggedIn, base: string, events: string[]) {
  const url = base.endsWith('/') ? `${base}hook-${++endpoints}` : base;
  const response = await admin.agent
    .post('/auth/admin/webhooks')
    .set('X-CSRF-Token', admin.csrfToken)
    .send({ url, events, description: 'test receiver' })
    .expect(201);
  return response.body as { id: string; url: string; events: string[]; secret: string };
}

async function createKey(user: LoggedIn, name = 'hooked'): Promise<string> {
  return (await user.agent.post('/auth/api-keys').set('X-CSRF-Token', user.csrfToken).send({ name }).expect(201)).body
    .id as string;
}

describe(`webhooks (${storageMode})`, () => {
  let app: TestApp;
  let admin: LoggedIn;
  const receiver = new Receiver();
  const adminEmail = uniqueEmail('admin');

  before(async () => {
    await receiver.start();
    app = await startApp({ AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail, AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
    admin = await login(app.url, adminEmail, PASSWORD, false);
  });
  after(async () => {
    await app?.close();
    await receiver.close();
  });

  it('shows the secret once, signs each delivery per Standard Webhooks, and lists it delivered', async () => {
    const hook = await createWebhook(admin, `${receiver.url}/`, ['api_key.created']);
    const received = () => receiver.at(hook.url);
    assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = (await admin.agent.get('/auth/admin/webhooks').expect(200)).body as Array<Record<string, unknown>>;
    const mine = listed.find((endpoint) => endpoint.id === hook.id);
    assert.ok(mine, 'the endpoint is listed');
    assert.equal(JSON.stringify(listed).includes('whsec_'), false, 'the list never holds a secret');
    assert.equal('secret' in mine, false);

    const user = await login(app.url);
    const keyId = await createKey(user);
    await receiver.until(() => received().some((r) => r.parsed.data.userId === user.user.id), 'the delivery');
    const delivery = received().find((r) => r.parsed.data.userId === user.user.id)!;
    assert.ok(verifies(delivery, hook.secret), 'the receiver verifies the signature with the secret it was shown');
    assert.equal(
      verifies(delivery, `whsec_${Buffer.alloc(32, 1).toString('base64')}`),
      false,
      'another secret does not',
    );
    assert.equal(delivery.parsed.type, 'api_key.created');
    assert.equal(delivery.parsed.data.id, delivery.id, 'webhook-id is the event id');
    assert.equal((delivery.parsed.data as unknown as { detail: { keyId: string } }).detail.keyId, keyId);
    assert.equal(delivery.body.includes('whsec_'), false, 'the body holds no secret');

    const events = (await admin.agent.get(`/auth/admin/audit?type=api_key.created&userId=${user.user.id}`).expect(200))
      .body as Array<{ id: string }>;
    assert.deepEqual(
      events.map((event) => event.id),
      [delivery.id],
    );
    let page: { items: Array<Record<string, unknown>>; nextCursor: string | null } = { items: [], nextCursor: null };
    for (let tries = 0; tries < 50; tries++) {
      page = (await admin.agent.get(`/auth/admin/webhooks/${hook.id}/deliveries`).expect(200)).body;
      if (page.items[0]?.deliveredAt) break;
      await sleep(100);
    }
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0].eventType, 'api_key.created');
    assert.equal(page.items[0].attempts, 1);
    assert.equal(page.items[0].lastStatus, 200);
    assert.ok(page.items[0].deliveredAt);
    assert.equal(page.items[0].nextAttemptAt, null);
    await admin.agent.get(`/auth/admin/webhooks/${hook.id}/deliveries?cursor=junk`).expect(400);
    await admin.agent.get('/auth/admin/webhooks/not-a-uuid/deliveries').expect(404);
    const metrics = (await request(app.url).get('/metrics').expect(200)).text;
    assert.match(metrics, /^auth_webhook_deliveries_total\{outcome="delivered"\} [1-9]/m);

    // Redelivery sends it again under the same webhook-id.
    const before = received().filter((r) => r.id === delivery.id).length;
    await admin.agent
      .post(`/auth/admin/webhooks/${hook.id}/deliveries/${page.items[0].id as string}/redeliver`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(202);
    await receiver.until(() => received().filter((r) => r.id === delivery.id).length > before, 'the redelivery');
    await admin.agent.delete(`/auth/admin/webhooks/${hook.id}`).set('X-CSRF-Token', admin.csrfToken).expect(204);
    await admin.agent.delete(`/auth/admin/webhooks/${hook.id}`).set('X-CSRF-Token', admin.csrfToken).expect(404);
  });

  it('retries after a 500 with the same webhook-id, and the deliveries list says so', async () => {
    const hook = await createWebhook(admin, `${receiver.url}/`, ['api_key.created']);
    const received = () => receiver.at(hook.url);
    receiver.answer = (_delivery, seen) => (seen === 1 ? 500 : 200);
    try {
      const user = await login(app.url);
      await createKey(user);
      const mine = () => received().filter((r) => r.parsed.data.userId === user.user.id);
      await receiver.until(() => mine().length >= 2, 'the retry');
      const [first, second] = mine();
      assert.equal(first.id, second.id, 'the retry has the same webhook-id');
      assert.ok(verifies(first, hook.secret) && verifies(second, hook.secret));
      let item: Record<string, unknown> | undefined;
      for (let tries = 0; tries < 50 && !item?.deliveredAt; tries++) {
        item = (await admin.agent.get(`/auth/admin/webhooks/${hook.id}/deliveries`).expect(200)).body.items[0];
        await sleep(100);
      }
      assert.equal(item?.attempts, 2);
      assert.equal(item?.lastStatus, 200);
    } finally {
      receiver.answer = () => 200;
      await admin.agent.delete(`/auth/admin/webhooks/${hook.id}`).set('X-CSRF-Token', admin.csrfToken).expect(204);
    }
  });

  it('signs with the old and the new secret while a rotation overlaps', async () => {
    const hook = await createWebhook(admin, `${receiver.url}/`, ['api_key.created']);
    const received = () => receiver.at(hook.url);
    try {
      const rotated = await admin.agent
        .post(`/auth/admin/webhooks/${hook.id}/rotate-secret`)
        .set('X-CSRF-Token', admin.csrfToken)
        .expect(200);
      const secret = rotated.body.secret as string;
      assert.match(secret, /^whsec_/);
      assert.notEqual(secret, hook.secret);
      const until = Date.parse(rotated.body.previousSecretUntil as string);
      assert.ok(Math.abs(until - Date.now() - 86_400_000) < 60_000, 'the old secret signs for 24 hours');
      const user = await login(app.url);
      await createKey(user);
      await receiver.until(() => received().some((r) => r.parsed.data.userId === user.user.id), 'the delivery');
      const delivery = received().find((r) => r.parsed.data.userId === user.user.id)!;
      assert.equal(delivery.signature.split(' ').length, 2, 'two signatures');
      assert.ok(verifies(delivery, hook.secret), 'a receiver still on the old secret verifies');
      assert.ok(verifies(delivery, secret), 'a receiver on the new secret verifies');
    } finally {
      await admin.agent.delete(`/auth/admin/webhooks/${hook.id}`).set('X-CSRF-Token', admin.csrfToken).expect(204);
    }
  });

  it('prunes deliveries that are done once they are 30 days old, never those still retried', async () => {
    const done = await createWebhook(admin, `${receiver.url}/`, ['api_key.created']);
    const failing = await createWebhook(admin, `${receiver.url}/`, ['api_key.created']);
    receiver.answer = (delivery) => (delivery.path === new URL(failing.url).pathname ? 503 : 200);
    try {
      const user = await login(app.url);
      await createKey(user);
      const page = async (id: string) =>
        (await admin.agent.get(`/auth/admin/webhooks/${id}/deliveries`).expect(200)).body.items as Array<{
          attempts: number;
          deliveredAt: string | null;
        }>;
      for (let tries = 0; tries < 100; tries++) {
        const [a] = await page(done.id);
        const [b] = await page(failing.id);
        if (a?.deliveredAt && b?.attempts) break;
        await sleep(100);
      }
      await app.app.get(WebhooksService).prune(Date.now() + 31 * 24 * 60 * 60 * 1000);
      assert.deepEqual(await page(done.id), [], 'the delivered one is gone');
      assert.equal((await page(failing.id)).length, 1, 'the one still retried stays');
    } finally {
      receiver.answer = () => 200;
      for (const hook of [done, failing])
        await admin.agent.delete(`/auth/admin/webhooks/${hook.id}`).set('X-CSRF-Token', admin.csrfToken).expect(204);
    }
  });

  it('refuses input it cannot use, and non-admins', async () => {
    const bad = [
      { url: 'ftp://example.com/x', events: ['*'] },
      { url: 'https://user:pass@example.com/x', events: ['*'] },
      { url: receiver.url, events: [] },
      { url: receiver.url, events: ['login.failed'] },
      { url: receiver.url, events: ['no.such.event'] },
      { url: 'x'.repeat(3000), events: ['*'] },
      { url: 12, events: ['*'] },
    ];
    for (const body of bad)
      await admin.agent.post('/auth/admin/webhooks').set('X-CSRF-Token', admin.csrfToken).send(body).expect(400);
    const user = await login(app.url);
    await user.agent.get('/auth/admin/webhooks').expect(403);
    await user.agent
      .post('/auth/admin/webhooks')
      .set('X-CSRF-Token', user.csrfToken)
      .send({ url: receiver.url, events: ['*'] })
      .expect(403);
    await request(app.url).get('/auth/admin/webhooks').expect(401);
  });
});

describe(`webhook targets the app may not call (${storageMode})`, () => {
  let app: TestApp;
  let admin: LoggedIn;
  const adminEmail = uniqueEmail('admin');
  before(async () => {
    app = await startApp({
      AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
      WEBHOOK_ALLOW_PRIVATE: 'false',
      REAUTH_MAX_AGE_SECONDS: '3',
    });
  });
  after(() => app?.close());

  it('asks for a fresh authentication to add an endpoint, change it or rotate its secret', async () => {
    const stale = await login(app.url, adminEmail, PASSWORD, false);
    const hook = await createWebhook(stale, 'http://93.184.215.14/fresh', ['*']);
    // Whole seconds: the age must pass 3 however the sign-in and now fall within their seconds.
    await sleep(5_000);
    const refusals = [
      stale.agent.post('/auth/admin/webhooks').send({ url: 'http://93.184.215.14/x', events: ['*'] }),
      stale.agent.patch(`/auth/admin/webhooks/${hook.id}`).send({ url: 'http://93.184.215.14/elsewhere' }),
      stale.agent.post(`/auth/admin/webhooks/${hook.id}/rotate-secret`),
    ];
    for (const call of refusals) {
      const response = await call.set('X-CSRF-Token', stale.csrfToken);
      assert.equal(response.status, 401);
      assert.equal(response.body.message, 'Reauthentication required');
    }
    const endpoints = (await stale.agent.get('/auth/admin/webhooks').expect(200)).body as Array<{
      id: string;
      url: string;
    }>;
    assert.equal(
      endpoints.find((endpoint) => endpoint.id === hook.id)?.url,
      'http://93.184.215.14/fresh',
      'nothing changed',
    );
    await stale.agent.delete(`/auth/admin/webhooks/${hook.id}`).set('X-CSRF-Token', stale.csrfToken).expect(204);
  });

  it('refuses loopback, private, link-local, unique-local and metadata addresses, and names resolving to them', async () => {
    admin = await login(app.url, adminEmail, PASSWORD, false);
    const refused = [
      'http://localhost/hook',
      'http://127.0.0.1/hook',
      'http://127.1.2.3:8080/hook',
      'http://10.1.2.3/hook',
      'http://172.16.0.1/hook',
      'http://192.168.1.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/hook',
      'http://0.0.0.0/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[::ffff:7f00:1]/hook',
      'http://[64:ff9b::a00:1]/hook',
      'http://[fe80::1]/hook',
      'http://[fd00:ec2::254]/hook',
      'http://[::]/hook',
      'http://2130706433/hook',
      'http://0x7f.1/hook',
    ];
    for (const url of refused) {
      const response = await admin.agent
        .post('/auth/admin/webhooks')
        .set('X-CSRF-Token', admin.csrfToken)
        .send({ url, events: ['*'] });
      assert.equal(response.status, 400, `${url} is refused`);
      assert.doesNotMatch(JSON.stringify(response.body), /127\.0\.0\.1|::1/, 'the answer names no resolved address');
    }
    const listed = (await admin.agent.get('/auth/admin/webhooks').expect(200)).body as Array<{ url: string }>;
    assert.deepEqual(
      listed.filter((endpoint) => refused.includes(endpoint.url)),
      [],
    );
    // A public address literal is accepted (nothing is called when an endpoint is created).
    const accepted = await createWebhook(admin, 'http://93.184.215.14/hook', ['*']);
    await admin.agent.delete(`/auth/admin/webhooks/${accepted.id}`).set('X-CSRF-Token', admin.csrfToken).expect(204);
  });
});

describe(`webhooks across a kill -9 right after the last 2xx (${storageMode})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-hooks-crash-'));
  const receiver = new Receiver();
  const instances: ChildApp[] = [];
  after(async () => {
    for (const instance of instances) await instance.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every answered change after the restart, each under one webhook-id', async () => {
    await receiver.start();
    const adminEmail = uniqueEmail('admin');
    const first = await startAppProcess({
      DATA_DIR: dataDir,
      AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
    instances.push(first);
    const admin = await login(first.url, adminEmail, PASSWORD, false);
    const hook = await createWebhook(admin, `${receiver.url}/`, ['api_key.revoked', 'password.changed']);
    const users = await Promise.all(Array.from({ length: 8 }, () => login(first.url)));
    const keys = await Promise.all(users.map((user) => createKey(user)));
    const killed = new Promise<void>((resolve) => first.child.once('exit', () => resolve()));
    let pending = users.length;
    await Promise.all(
      users.map(async (user, i) => {
        await user.agent.delete(`/auth/api-keys/${keys[i]}`).set('X-CSRF-Token', user.csrfToken).expect(204);
        await user.agent
          .post('/auth/password')
          .set('X-CSRF-Token', user.csrfToken)
          .send({ currentPassword: PASSWORD, newPassword: 'a new and longer passphrase' })
          .expect(204);
        if (--pending === 0) first.child.kill('SIGKILL');
      }),
    );
    await killed;

    const second = await startAppProcess({ ...first.env });
    instances.push(second);
    const reader = await login(second.url, adminEmail, PASSWORD, false);
    const ids = new Set(users.map((user) => user.user.id));
    const expected: string[] = [];
    for (const type of ['api_key.revoked', 'password.changed']) {
      const events = (await reader.agent.get(`/auth/admin/audit?type=${type}&limit=500`).expect(200)).body as Array<{
        id: string;
        userId: string;
      }>;
      expected.push(...events.filter((event) => ids.has(event.userId)).map((event) => event.id));
    }
    assert.equal(expected.length, users.length * 2, 'every answered change has its event');
    const delivered = () => new Set(receiver.received.map((r) => r.parsed.data.id));
    await receiver.until(() => expected.every((id) => delivered().has(id)), 'every event delivered', 45_000);
    for (const delivery of receiver.received) {
      assert.equal(delivery.id, delivery.parsed.data.id, 'one webhook-id per event, whichever instance sent it');
      assert.ok(verifies(delivery, hook.secret));
    }
    await reader.agent.delete(`/auth/admin/webhooks/${hook.id}`).set('X-CSRF-Token', reader.csrfToken).expect(204);
  });
});

describe(`webhooks from two instances sharing one outbox (${storageMode})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-hooks-two-'));
  const receiver = new Receiver();
  const instances: ChildApp[] = [];
  after(async () => {
    for (const instance of instances) await instance.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers each event once though both instances work the outbox', async () => {
    await receiver.start();
    // Each answer takes longer than a round of the workers: an instance that took a delivery in flight would send it again.
    receiver.delayMs = 1_500;
    const adminEmail = uniqueEmail('admin');
    const first = await startAppProcess({
      DATA_DIR: dataDir,
      AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
    instances.push(first);
    // Production mode shares PostgreSQL and Redis; embedded mode shares the SQLite file.
    const second = await startAppProcess({ ...first.env });
    instances.push(second);
    const admin = await login(first.url, adminEmail, PASSWORD, false);
    const hook = await createWebhook(admin, `${receiver.url}/`, ['user.registered']);
    const emails = Array.from({ length: 30 }, (_, i) => uniqueEmail(`two-${i}`));
    const registered = await Promise.all(
      emails.map((email, i) => register(i % 2 ? first.url : second.url, email, PASSWORD)),
    );
    const userIds = new Set(registered.map((user) => user.id));
    const mine = () => receiver.received.filter((r) => userIds.has(r.parsed.data.userId ?? ''));
    await receiver.until(() => new Set(mine().map((r) => r.id)).size === emails.length, 'every registration', 45_000);
    // Both instances keep working the outbox for a few rounds more: a second copy would show up now.
    await sleep(3_000);
    const counts = new Map<string, number>();
    for (const delivery of mine()) counts.set(delivery.id, (counts.get(delivery.id) ?? 0) + 1);
    assert.deepEqual(
      [...counts.values()].filter((count) => count > 1),
      [],
      'no event was delivered twice',
    );
    assert.ok(mine().every((delivery) => verifies(delivery, hook.secret)));
    await admin.agent.delete(`/auth/admin/webhooks/${hook.id}`).set('X-CSRF-Token', admin.csrfToken).expect(204);
  });
});
