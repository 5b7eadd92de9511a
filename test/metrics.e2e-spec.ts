import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { login, PASSWORD, register, startApp, storageMode, TestApp } from './support/app';

/** Every sample of a scrape, by series and labels as written (`name{a="b"}`). */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

const sum = (scrape: Map<string, number>, prefix: string) =>
  [...scrape].filter(([name]) => name.startsWith(prefix)).reduce((total, [, value]) => total + value, 0);

describe(`Prometheus metrics (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ LOCKOUT_THRESHOLD: '2' });
  });
  after(() => t.close());

  const scrape = async () =>
    samples(
      (
        await request(t.url)
          .get('/metrics')
          .expect(200)
          .expect('content-type', /text\/plain/)
      ).text,
    );

  it('moves every series of the contract, with labels that name no user, email or key', async () => {
    const before = await scrape();
    const session = await login(t.url);
    await session.agent.get('/examples/profile').expect(200);
    await session.agent.get('/examples/profile').expect(200);
    const tokens = (
      await request(t.url).post('/auth/token').send({ email: session.user.email, password: PASSWORD }).expect(200)
    ).body;
    for (let i = 0; i < 2; i++)
      await request(t.url).get('/examples/profile').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
    const key = (
      await session.agent
        .post('/auth/api-keys')
        .set('X-CSRF-Token', session.csrfToken)
        .send({ name: 'm', scopes: ['reports:read'] })
        .expect(201)
    ).body.key;
    for (let i = 0; i < 2; i++) await request(t.url).get('/examples/reports').set('X-API-Key', key).expect(200);
    await request(t.url).get('/examples/profile').expect(401);
    await request(t.url).get('/examples/admin').set('Authorization', `Bearer ${tokens.access_token}`).expect(403);
    const { email } = await register(t.url);
    for (let i = 0; i < 2; i++)
      await request(t.url).post('/auth/login').send({ email, password: 'not the password' }).expect(401);
    await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(429);
    const refreshed = await request(t.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: tokens.refresh_token })
      .expect(200);
    assert.ok(refreshed.body.refresh_token);
    await request(t.url).post('/auth/token/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
    const after = await scrape();

    const moved = (series: string) => sum(after, series) - sum(before, series);
    assert.ok(moved('auth_requests_total{mechanism="session",outcome="success"}') >= 2);
    assert.ok(moved('auth_requests_total{mechanism="jwt",outcome="success"}') >= 2);
    assert.ok(moved('auth_requests_total{mechanism="apiKey",outcome="success"}') >= 2);
    assert.ok(moved('auth_requests_total{mechanism="none",outcome="refused"}') >= 1);
    assert.ok(moved('auth_requests_total{mechanism="jwt",outcome="forbidden"}') >= 1);
    assert.ok(moved('auth_logins_total{method="password",outcome="success"}') >= 2);
    assert.ok(moved('auth_logins_total{method="password",outcome="failure"}') >= 2);
    assert.ok(moved('auth_logins_total{method="password",outcome="locked"}') >= 1);
    assert.ok(moved('auth_lockouts_total') >= 1);
    assert.ok(moved('auth_refresh_reuse_total') >= 1);
    assert.ok(moved('auth_cache_lookups_total{cache="jwt",result="hit"}') >= 1);
    assert.ok(moved('auth_cache_lookups_total{cache="jwt",result="miss"}') >= 1);
    assert.ok(moved('auth_cache_lookups_total{cache="api_key",result="hit"}') >= 1);
    assert.ok(moved('auth_cache_lookups_total{cache="session"') >= 2);
    assert.ok(moved('auth_guard_duration_seconds_count') >= 8);
    assert.equal(after.get('auth_revocation_bus_up'), 1);
    assert.ok(after.has('process_cpu_user_seconds_total'), 'the process metrics are there');

    const text = [...after.keys()].join('\n');
    for (const secret of [session.user.email, session.user.id, email, key.slice(0, 12)])
      assert.ok(!text.includes(secret), `a label holds ${secret}`);
  });
});

describe('GET /metrics behind METRICS_TOKEN, and in production without one', () => {
  it('wants the bearer token when one is set', async () => {
    const token = 'a-metrics-token-of-some-length';
    const t = await startApp({ METRICS_TOKEN: token });
    try {
      const refused = await request(t.url).get('/metrics').expect(401);
      assert.equal(refused.headers['www-authenticate'], 'Bearer realm="metrics"');
      await request(t.url).get('/metrics').set('Authorization', 'Bearer wrong-token-of-some-length').expect(401);
      await request(t.url).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
    } finally {
      await t.close();
    }
  });

  it('answers 404 in production without a token', async () => {
    const t = await startApp({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://auth.example.com',
      JWT_ALG: 'HS256',
      JWT_SECRET: 'k7Qv2N9xLm4Rt8Wz1Bc5Df3Gh6Jp0YsQ2',
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    try {
      await request(t.url).get('/metrics').expect(404);
    } finally {
      await t.close();
    }
  });
});
