import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { login, PASSWORD, startApp, storageMode, TestApp } from './support/app';
import { outboxToken } from './support/smtp';
import { captureOutput } from './support/output';
import { totp } from './support/totp';
import { TestBrowser, TestOidcProvider } from './support/oidc-provider';

describe(`no secret in the logs (${storageMode})`, () => {
  let t: TestApp;
  let output = '';
  let idp: TestOidcProvider;
  const secrets: string[] = [];
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  before(async () => {
    const publicUrl = 'http://app.test';
    const client = {
      client_id: 'logs',
      client_secret: 'a client secret of the test',
      redirect_uris: [`${publicUrl}/auth/oidc/test/callback`],
    };
    idp = await TestOidcProvider.start({ clients: [client], conformIdTokenClaims: false });
    process.env.TEST_LOGS = '1';
    output = await captureOutput(async () => {
      t = await startApp({
        LOG_FORMAT: 'json',
        PUBLIC_URL: publicUrl,
        OIDC_PROVIDERS: 'test',
        OIDC_TEST_ISSUER: idp.issuer,
        OIDC_TEST_CLIENT_ID: client.client_id,
        OIDC_TEST_CLIENT_SECRET: client.client_secret,
      });
      const wrongPassword = 'wrong-but-secret-password';
      secrets.push(PASSWORD, wrongPassword);
      const session = await login(t.url);
      secrets.push(decodeURIComponent(session.cookie.split('=')[1]).slice(2).split('.')[0], session.csrfToken);
      await request(t.url).post('/auth/login').send({ email: session.user.email, password: wrongPassword }).expect(401);
      await request(t.url)
        .post('/auth/login')
        .set('Content-Type', 'application/json')
        .send(`{"email":"${session.user.email}","password":"${wrongPassword}"`)
        .expect(400);

      const tokens = await request(t.url)
        .post('/auth/token')
        .send({ email: session.user.email, password: PASSWORD })
        .expect(200);
      secrets.push(tokens.body.access_token, tokens.body.refresh_token);
      await request(t.url)
        .get('/examples/profile')
        .set('Authorization', `Bearer ${tokens.body.access_token}`)
        .expect(200);
      const refreshed = await request(t.url)
        .post('/auth/token/refresh')
        .send({ refresh_token: tokens.body.refresh_token })
        .expect(200);
      secrets.push(refreshed.body.access_token, refreshed.body.refresh_token);
      await request(t.url).post('/auth/token/refresh').send({ refresh_token: tokens.body.refresh_token }).expect(401);

      const created = await session.agent
        .post('/auth/api-keys')
        .set('X-CSRF-Token', session.csrfToken)
        .send({ name: 'logs', scopes: ['reports:read'] })
        .expect(201);
      secrets.push(created.body.key);
      await request(t.url).get('/examples/reports').set('X-API-Key', created.body.key).expect(200);
      await request(t.url).get('/examples/reports').set('X-API-Key', `${created.body.key}x`).expect(401);
      const changed = await session.agent
        .post('/auth/password')
        .set('X-CSRF-Token', session.csrfToken)
        .send({ currentPassword: PASSWORD, newPassword: 'another secret passphrase' })
        .expect(204);
      secrets.push('another secret passphrase', changed.headers['x-csrf-token']);
      await session.agent.post('/auth/logout').set('X-CSRF-Token', changed.headers['x-csrf-token']).expect(204);

      // The one-time links of every mail flow: verification, reset, email change (the outbox holds them; no log line may).
      const verifyToken = await outboxToken(t, session.user.email, 'verify_email');
      secrets.push(verifyToken);
      await request(t.url)
        .get(`/auth/email/verify?token=${encodeURIComponent(verifyToken)}`)
        .expect(302);
      await request(t.url).post('/auth/password/forgot').send({ email: session.user.email }).expect(202);
      const resetToken = await outboxToken(t, session.user.email, 'password_reset');
      secrets.push(resetToken, 'a reset passphrase here');
      await request(t.url)
        .post('/auth/password/reset')
        .send({ token: resetToken, newPassword: 'a reset passphrase here' })
        .expect(204);
      await request(t.url)
        .post('/auth/password/reset')
        .send({ token: resetToken, newPassword: 'a reset passphrase here' })
        .expect(400);
      const again = await login(t.url, session.user.email, 'a reset passphrase here', false);
      const moved = `moved-${session.user.email}`;
      await again.agent
        .post('/auth/email')
        .set('X-CSRF-Token', again.csrfToken)
        .send({ newEmail: moved, currentPassword: 'a reset passphrase here' })
        .expect(202);
      const changeToken = await outboxToken(t, moved, 'confirm_email_change');
      secrets.push(changeToken);
      await request(t.url).post('/auth/email/verify').send({ token: changeToken }).expect(204);

      // MFA: the TOTP secret and its URI, the recovery codes and the mfaTokens (6-digit codes are too short to tell from other digits).
      const mfa = await login(t.url);
      const csrf = { 'X-CSRF-Token': mfa.csrfToken };
      const enrolment = await mfa.agent
        .post('/auth/mfa/totp')
        .set(csrf)
        .send({ currentPassword: PASSWORD })
        .expect(201);
      secrets.push(enrolment.body.secret, enrolment.body.otpauthUrl);
      const confirmed = await mfa.agent
        .post('/auth/mfa/totp/confirm')
        .set(csrf)
        .send({ code: totp(enrolment.body.secret) })
        .expect(200);
      const recoveryCodes: string[] = confirmed.body.recoveryCodes;
      secrets.push(...recoveryCodes, ...recoveryCodes.map((code) => code.replace(/-/g, '')));
      const challenge = await request(t.url)
        .post('/auth/login')
        .send({ email: mfa.user.email, password: PASSWORD })
        .expect(200);
      secrets.push(challenge.body.mfaToken);
      await request(t.url)
        .post('/auth/login/mfa')
        .send({ mfaToken: challenge.body.mfaToken, recoveryCode: 'WRONG-WRONG-WRONG' })
        .expect(401);
      await request(t.url)
        .post('/auth/login/mfa')
        .send({ mfaToken: challenge.body.mfaToken, recoveryCode: recoveryCodes[0] })
        .expect(200);
      const byToken = await request(t.url)
        .post('/auth/token')
        .send({ email: mfa.user.email, password: PASSWORD })
        .expect(200);
      secrets.push(byToken.body.mfaToken);
      const pair = await request(t.url)
        .post('/auth/token/mfa')
        .send({ mfaToken: byToken.body.mfaToken, recoveryCode: recoveryCodes[1] })
        .expect(200);
      secrets.push(pair.body.access_token, pair.body.refresh_token);
      const regenerated = await mfa.agent
        .post('/auth/mfa/recovery-codes')
        .set(csrf)
        .send({ currentPassword: PASSWORD })
        .expect(200);
      secrets.push(...regenerated.body.recoveryCodes);
      // Sign-in with OpenID Connect: the state, nonce, code and ID token of a browser flow, and a mobile exchange.
      for (let i = 0; i < 100 && (await request(t.url).get('/auth/oidc/test/login')).status !== 302; i++)
        await sleep(50);
      const browser = new TestBrowser({ [publicUrl]: t.url });
      idp.nextLogin = { sub: 'logs-subject', email: `oidc-${session.user.email}`, email_verified: true };
      const started = await browser.get(`${publicUrl}/auth/oidc/test/login`);
      const authorization = new URL(started.headers.get('location') as string);
      const { location } = await browser.follow(authorization.href, (next) => next.startsWith(publicUrl));
      const callback = new URL(location as string);
      idp.tamperNextIdToken = (idToken) => (secrets.push(idToken), idToken);
      assert.equal((await browser.get(callback.href)).status, 302);
      assert.equal((await browser.get(callback.href)).status, 401);
      secrets.push(
        authorization.searchParams.get('state') as string,
        authorization.searchParams.get('nonce') as string,
        authorization.searchParams.get('code_challenge') as string,
        callback.searchParams.get('code') as string,
      );
      const idToken = idp.mint({
        iss: idp.issuer,
        aud: client.client_id,
        sub: 'logs-subject',
        exp: Math.floor(Date.now() / 1000) + 60,
      });
      secrets.push(idToken);
      const exchanged = await request(t.url).post('/auth/oidc/test/token').send({ id_token: idToken }).expect(200);
      secrets.push(exchanged.body.access_token, exchanged.body.refresh_token);
      await request(t.url)
        .post('/auth/oidc/test/token')
        .send({ id_token: `${idToken}x` })
        .expect(401);
      await t.close();
    });
    delete process.env.TEST_LOGS;
  });
  after(async () => {
    await t?.close().catch(() => undefined);
    await idp?.close();
  });

  it('captured the app logging (the test watches something)', () => {
    assert.match(output, /Nest application successfully started/);
  });

  it('writes one JSON object a line, a request line per request with its id, route, status, time and principal', () => {
    const lines = output.split('\n').filter((line) => line.startsWith('{'));
    assert.ok(lines.length > 20);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries)
      assert.ok(typeof entry.time === 'string' && typeof entry.level === 'string' && typeof entry.msg === 'string');
    const requests = entries.filter((entry) => entry.msg === 'request');
    assert.ok(requests.length > 10);
    for (const line of requests) {
      assert.match(String(line.reqId), /^[A-Za-z0-9._:-]{8,128}$/);
      assert.ok(
        typeof line.method === 'string' &&
          typeof line.route === 'string' &&
          typeof line.status === 'number' &&
          typeof line.durationMs === 'number',
      );
      assert.ok(!String(line.route).includes('?'), `a query string in ${line.route}`);
    }
    const authenticated = requests.find((line) => line.route === '/examples/reports' && line.status === 200);
    assert.equal(authenticated?.mechanism, 'apiKey');
    assert.ok(authenticated?.userId);
    assert.ok(requests.some((line) => line.route === '/auth/email/verify' && line.method === 'GET'));
  });

  it('finds none of the passwords, tokens, keys or session IDs the flow used', () => {
    assert.ok(secrets.length >= 10);
    for (const secret of secrets) {
      assert.ok(secret && secret.length >= 12, 'every secret was captured');
      assert.ok(!output.includes(secret), `a secret appeared in the logs: ${secret.slice(0, 4)}…`);
    }
  });
});
