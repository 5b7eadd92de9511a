import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { AccountsService } from '../src/auth';
import {
  ChildApp,
  PASSWORD,
  productionMode,
  register,
  startApp,
  startAppProcess,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';

const TOO_MANY = { statusCode: 429, message: 'Too Many Requests', error: 'Too Many Requests' };
const INVALID = { statusCode: 401, message: 'Invalid email or password', error: 'Unauthorized' };

const loginAs = (url: string, email: string, password = PASSWORD) =>
  request(url).post('/auth/login').send({ email, password });

function assertTooMany(response: request.Response, retryAfter: (seconds: number) => boolean): void {
  assert.equal(response.status, 429);
  assert.deepEqual(response.body, TOO_MANY);
  const seconds = Number(response.headers['retry-after']);
  assert.ok(Number.isInteger(seconds) && retryAfter(seconds), `Retry-After ${response.headers['retry-after']}`);
}

describe(`throttling of the auth routes per client IP (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ THROTTLE_AUTH_LIMIT: '3', THROTTLE_AUTH_TTL_SECONDS: '60' });
  });
  after(() => t.close());

  it('answers 429 with Retry-After to the login after the limit', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await loginAs(t.url, uniqueEmail(), 'wrong password')).status, 401);
    assertTooMany(await loginAs(t.url, uniqueEmail()), (s) => s >= 59 && s <= 60);
  });

  it('answers 429 with Retry-After to registration after the limit', async () => {
    for (let i = 0; i < 3; i++) await register(t.url);
    const response = await request(t.url).post('/auth/register').send({ email: uniqueEmail(), password: PASSWORD });
    assertTooMany(response, (s) => s >= 59 && s <= 60);
  });

  it('does not count routes that take no credentials', async () => {
    for (let i = 0; i < 5; i++) await request(t.url).get('/examples/public').expect(200);
  });
});

describe(`client IP behind a proxy (${storageMode})`, () => {
  it('ignores X-Forwarded-For without TRUST_PROXY: a spoofed address does not reset the count', async () => {
    const t = await startApp({ THROTTLE_AUTH_LIMIT: '2' });
    try {
      for (let i = 1; i <= 2; i++) {
        await loginAs(t.url, uniqueEmail()).set('X-Forwarded-For', `203.0.113.${i}`).expect(401);
      }
      assertTooMany(await loginAs(t.url, uniqueEmail()).set('X-Forwarded-For', '203.0.113.3'), (s) => s > 0);
    } finally {
      await t.close();
    }
  });

  it('counts each forwarded client separately with TRUST_PROXY=1', async () => {
    const t = await startApp({ THROTTLE_AUTH_LIMIT: '2', TRUST_PROXY: '1' });
    try {
      for (let i = 0; i < 2; i++) await loginAs(t.url, uniqueEmail()).set('X-Forwarded-For', '203.0.113.7').expect(401);
      assertTooMany(await loginAs(t.url, uniqueEmail()).set('X-Forwarded-For', '203.0.113.7'), (s) => s > 0);
      await loginAs(t.url, uniqueEmail()).set('X-Forwarded-For', '203.0.113.8').expect(401);
    } finally {
      await t.close();
    }
  });

  it('counts a forwarded IPv6 client by its /64: another address in it shares the count, another /64 does not', async () => {
    const t = await startApp({ THROTTLE_AUTH_LIMIT: '2', TRUST_PROXY: '1' });
    try {
      for (const address of ['2001:db8:7:1::1', '2001:db8:7:1:a:b:c:d']) {
        await loginAs(t.url, uniqueEmail()).set('X-Forwarded-For', address).expect(401);
      }
      assertTooMany(await loginAs(t.url, uniqueEmail()).set('X-Forwarded-For', '2001:db8:7:1:ffff::9'), (s) => s > 0);
      await loginAs(t.url, uniqueEmail()).set('X-Forwarded-For', '2001:db8:7:2::1').expect(401);
    } finally {
      await t.close();
    }
  });
});

describe(`per-account back-off after failed logins (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ LOCKOUT_THRESHOLD: '3', LOCKOUT_BASE_SECONDS: '1' });
  });
  after(() => t.close());

  async function failTimes(email: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      const response = await loginAs(t.url, email, 'wrong password!');
      assert.equal(response.status, 401);
      assert.deepEqual(response.body, INVALID);
    }
  }

  it('refuses even the right password with 429 after the threshold', async () => {
    const { email } = await register(t.url);
    await failTimes(email, 3);
    assertTooMany(await loginAs(t.url, email), (s) => s === 1);
  });

  it('backs off an unknown email exactly like a registered one', async () => {
    const email = uniqueEmail('nobody');
    await failTimes(email, 3);
    assertTooMany(await loginAs(t.url, email), (s) => s === 1);
  });

  it('keys the back-off on the normalized email', async () => {
    const { email } = await register(t.url);
    await failTimes(email, 3);
    assertTooMany(await loginAs(t.url, `  ${email.toUpperCase()} `), (s) => s === 1);
  });

  it('leaves other accounts alone', async () => {
    const { email } = await register(t.url);
    await failTimes(uniqueEmail(), 3);
    await loginAs(t.url, email).expect(200);
  });

  it('doubles the back-off with every further failure', async () => {
    const email = uniqueEmail();
    await failTimes(email, 3);
    for (const seconds of [1, 2, 4]) {
      assertTooMany(await loginAs(t.url, email, 'wrong password!'), (s) => s === seconds);
      await sleep(seconds * 1000 + 50);
      await failTimes(email, 1);
    }
    assertTooMany(await loginAs(t.url, email), (s) => s === 8);
  });

  it('resets the count on a successful login', async () => {
    const { email } = await register(t.url);
    await failTimes(email, 2);
    await loginAs(t.url, email).expect(200);
    await failTimes(email, 2);
    await loginAs(t.url, email).expect(200);
  });

  it('lets the right password in once the back-off has passed, and starts counting afresh', async () => {
    const { email } = await register(t.url);
    await failTimes(email, 3);
    assertTooMany(await loginAs(t.url, email), (s) => s === 1);
    await sleep(1050);
    await loginAs(t.url, email).expect(200);
    await failTimes(email, 2);
    await loginAs(t.url, email).expect(200);
  });

  it('gives the same 401 for an unknown email, a wrong password and a disabled account', async () => {
    const { email } = await register(t.url);
    const disabled = await register(t.url);
    await t.app.get(AccountsService).disable(disabled.id);
    const answers = [
      await loginAs(t.url, uniqueEmail()),
      await loginAs(t.url, email, `${PASSWORD}!`),
      await loginAs(t.url, disabled.email),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.body, INVALID);
      assert.equal(answer.headers['retry-after'], undefined);
    }
  });
});

describe(`limits shared by instances (${storageMode})`, () => {
  const skip = productionMode ? false : 'embedded mode keeps limits per process; needs DATABASE_URL and REDIS_URL';

  /** Two instances of the app on one Redis key prefix, as behind a load balancer. */
  async function withTwoInstances(
    env: Record<string, string>,
    run: (a: TestApp, b: ChildApp) => Promise<void>,
  ): Promise<void> {
    const shared = { ...env, REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'test:'}${randomUUID()}:` };
    const [a, b] = await Promise.all([startApp(shared), startAppProcess(shared)]);
    try {
      await run(a, b);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }

  it(
    'with Redis (production mode only): two instances on one REDIS_KEY_PREFIX count one client IP together',
    { skip },
    () =>
      withTwoInstances({ THROTTLE_AUTH_LIMIT: '4' }, async (a, b) => {
        for (const app of [a, b, a, b]) await loginAs(app.url, uniqueEmail()).expect(401);
        assertTooMany(await loginAs(a.url, uniqueEmail()), (s) => s > 0);
        assertTooMany(await loginAs(b.url, uniqueEmail()), (s) => s > 0);
      }),
  );

  it(
    'with Redis (production mode only): two instances on one REDIS_KEY_PREFIX share the back-off of an account',
    { skip },
    () =>
      withTwoInstances({ LOCKOUT_THRESHOLD: '3' }, async (a, b) => {
        const { email } = await register(a.url);
        await loginAs(a.url, email, 'wrong password!').expect(401);
        await loginAs(b.url, email, 'wrong password!').expect(401);
        await loginAs(a.url, email, 'wrong password!').expect(401);
        assertTooMany(await loginAs(b.url, email), (s) => s >= 59 && s <= 60);
        assertTooMany(await loginAs(a.url, email), (s) => s >= 59 && s <= 60);
      }),
  );
});
