import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import request from 'supertest';
import { login, LoggedIn, PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { SoftwareAuthenticator } from './support/software-authenticator';
import { decodeSegment, TokenResponse, tokensFor } from './support/tokens';
import { totp } from './support/totp';

const ORIGIN = 'http://localhost:4711';
/** Short, so that a proof goes stale within the test; whole seconds, as `auth_time` is. */
const MAX_AGE = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Past MAX_AGE whole seconds after any proof made before it started. */
const untilStale = () => sleep((MAX_AGE + 2) * 1000);

/** Codes a step apart are only meaningful away from a step's edge, where the server's clock may already be in the next one. */
async function awayFromStepEdge(): Promise<void> {
  const left = 30 - ((Date.now() / 1000) % 30);
  if (left < 4) await sleep(left * 1000 + 500);
}

type Caller = { kind: 'session'; session: LoggedIn } | { kind: 'bearer'; tokens: TokenResponse; email: string };

function call(url: string, caller: Caller, method: 'post' | 'delete' | 'get', path: string) {
  if (caller.kind === 'session') {
    const req = caller.session.agent[method](path);
    return method === 'get' ? req : req.set('X-CSRF-Token', caller.session.csrfToken);
  }
  return request(url)[method](path).set('Authorization', `Bearer ${caller.tokens.access_token}`);
}

/** Every route of API.md that asks for a fresh authentication, with a body that gets past validation. */
const FRESH_ROUTES: Array<{ method: 'post' | 'delete' | 'get'; path: string; body?: object }> = [
  { method: 'post', path: '/auth/api-keys', body: { name: 'ci' } },
  { method: 'post', path: `/auth/api-keys/${randomUUID()}/rotate`, body: {} },
  { method: 'post', path: '/auth/passkeys/register/options' },
  { method: 'post', path: '/auth/passkeys/register', body: { response: {} } },
  { method: 'delete', path: `/auth/passkeys/${randomUUID()}`, body: {} },
  { method: 'delete', path: `/auth/identities/${randomUUID()}` },
  { method: 'post', path: '/auth/mfa/totp', body: { currentPassword: PASSWORD } },
  { method: 'delete', path: '/auth/mfa/totp', body: { currentPassword: PASSWORD, code: '000000' } },
  { method: 'post', path: '/auth/mfa/recovery-codes', body: { currentPassword: PASSWORD } },
  { method: 'post', path: '/auth/email', body: { newEmail: uniqueEmail('moved'), currentPassword: PASSWORD } },
];

function expectReauthenticationRequired(
  response: request.Response,
  methods: string[],
  bearer: boolean,
  route: string,
): void {
  assert.equal(response.status, 401, `${route}: ${response.status} ${response.text}`);
  assert.equal(
    response.text,
    JSON.stringify({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Reauthentication required',
      maxAge: MAX_AGE,
      methods,
    }),
    route,
  );
  if (bearer) {
    assert.equal(
      response.headers['www-authenticate'],
      `Bearer error="insufficient_user_authentication", max_age=${MAX_AGE}`,
      route,
    );
  } else {
    assert.equal(response.headers['www-authenticate'], undefined, route);
  }
}

describe(`fresh authentication ("sudo mode") (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({
      REAUTH_MAX_AGE_SECONDS: String(MAX_AGE),
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: ORIGIN,
      LOCKOUT_THRESHOLD: '3',
    });
  });
  after(() => t.close());

  function reauthenticate(caller: Caller, body: object) {
    return call(t.url, caller, 'post', '/auth/reauthenticate').send(body);
  }

  async function enrolTotp(session: LoggedIn): Promise<{ secret: string; recoveryCodes: string[] }> {
    const csrf = { 'X-CSRF-Token': session.csrfToken };
    const started = await session.agent
      .post('/auth/mfa/totp')
      .set(csrf)
      .send({ currentPassword: PASSWORD })
      .expect(201);
    await awayFromStepEdge();
    const confirmed = await session.agent
      .post('/auth/mfa/totp/confirm')
      .set(csrf)
      .send({ code: totp(started.body.secret) })
      .expect(200);
    return { secret: started.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
  }

  it('refuses every such route to a stale session and a stale access token, and admits them once re-authenticated', async () => {
    const session: Caller = { kind: 'session', session: await login(t.url) };
    const issued = await tokensFor(t.url);
    const bearer: Caller = { kind: 'bearer', tokens: issued, email: issued.email };
    await untilStale();

    for (const caller of [session, bearer]) {
      for (const route of FRESH_ROUTES) {
        const response = await call(t.url, caller, route.method, route.path).send(route.body ?? {});
        expectReauthenticationRequired(
          response,
          ['password'],
          caller.kind === 'bearer',
          `${caller.kind} ${route.method} ${route.path}`,
        );
      }
      // Routes that do not change how one signs in do not ask.
      await call(t.url, caller, 'get', '/auth/api-keys').expect(200);
      await call(t.url, caller, 'get', '/auth/me').expect(200);
    }

    await reauthenticate(session, { password: PASSWORD }).expect(204);
    const renewed = await reauthenticate(bearer, { password: PASSWORD }).expect(200);
    assert.equal(renewed.headers['cache-control'], 'no-store');
    const fresh: Caller = { kind: 'bearer', tokens: renewed.body, email: issued.email };
    assert.equal(
      decodeSegment(renewed.body.access_token, 1).sid,
      decodeSegment(issued.access_token, 1).sid,
      'the same family',
    );

    for (const caller of [session, fresh]) {
      for (const route of FRESH_ROUTES) {
        const response = await call(t.url, caller, route.method, route.path).send(route.body ?? {});
        assert.notEqual(response.status, 401, `${caller.kind} ${route.method} ${route.path}: ${response.text}`);
        assert.ok(response.status < 500, `${caller.kind} ${route.method} ${route.path}: ${response.status}`);
      }
    }
    // The bearer caller's old access token is as stale as before.
    const stale = await call(t.url, bearer, 'post', '/auth/api-keys').send({ name: 'old' });
    expectReauthenticationRequired(stale, ['password'], true, 'old access token');
  });

  it('starting an OpenID link asks for a fresh session too', async () => {
    const signedIn = await login(t.url);
    // No provider is configured: a fresh session gets as far as the 404 for an unknown provider.
    const link = () => signedIn.agent.post('/auth/oidc/corp/link').set('X-CSRF-Token', signedIn.csrfToken).send({});
    await link().expect(404);
    await untilStale();
    expectReauthenticationRequired(await link(), ['password'], false, 'link');
  });

  it('carries auth_time and amr in access tokens; a refresh keeps them, and a stale family stays stale', async () => {
    const issued = await tokensFor(t.url);
    const claims = decodeSegment(issued.access_token, 1);
    assert.equal(typeof claims.auth_time, 'number');
    assert.ok(Math.abs((claims.auth_time as number) - Date.now() / 1000) < 5);
    assert.deepEqual(claims.amr, ['pwd']);
    await untilStale();
    const refreshed = await request(t.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: issued.refresh_token })
      .expect(200);
    const after = decodeSegment(refreshed.body.access_token, 1);
    assert.equal(after.auth_time, claims.auth_time);
    assert.deepEqual(after.amr, ['pwd']);
    assert.notEqual(after.iat, claims.iat);
    const response = await request(t.url)
      .post('/auth/api-keys')
      .set('Authorization', `Bearer ${refreshed.body.access_token}`)
      .send({ name: 'ci' });
    expectReauthenticationRequired(response, ['password'], true, 'refreshed token');

    // Re-authentication renews the family's proof, and refreshes keep the new one.
    const renewed = await request(t.url)
      .post('/auth/reauthenticate')
      .set('Authorization', `Bearer ${refreshed.body.access_token}`)
      .send({ password: PASSWORD })
      .expect(200);
    const renewedClaims = decodeSegment(renewed.body.access_token, 1);
    assert.ok((renewedClaims.auth_time as number) > (claims.auth_time as number));
    const again = await request(t.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: renewed.body.refresh_token })
      .expect(200);
    assert.equal(decodeSegment(again.body.access_token, 1).auth_time, renewedClaims.auth_time);
    // The refresh token of before the re-authentication is spent.
    await request(t.url).post('/auth/token/refresh').send({ refresh_token: refreshed.body.refresh_token }).expect(401);
  });

  it('tells a user with TOTP and passkeys every way they have, and offers passkey options with user verification', async () => {
    const signedIn = await login(t.url);
    const caller: Caller = { kind: 'session', session: signedIn };
    await enrolTotp(signedIn);
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    const csrf = { 'X-CSRF-Token': signedIn.csrfToken };
    const options = (await signedIn.agent.post('/auth/passkeys/register/options').set(csrf).expect(200)).body;
    await signedIn.agent
      .post('/auth/passkeys/register')
      .set(csrf)
      .send({ response: authenticator.create(options) })
      .expect(201);

    const offered = (await call(t.url, caller, 'post', '/auth/reauthenticate/options').expect(200)).body;
    assert.deepEqual(offered.methods, ['password', 'totp', 'recovery', 'passkey']);
    assert.equal(offered.passkeyOptions.userVerification, 'required');
    assert.equal(offered.passkeyOptions.allowCredentials.length, 1);

    await untilStale();
    const response = await call(t.url, caller, 'post', '/auth/api-keys').send({ name: 'ci' });
    expectReauthenticationRequired(response, ['password', 'totp', 'recovery', 'passkey'], false, 'stale');
  });

  it('re-authenticates by password and TOTP, by password and a recovery code, and by a passkey; the password alone never stands for the second factor', async () => {
    const signedIn = await login(t.url);
    const caller: Caller = { kind: 'session', session: signedIn };
    const csrf = { 'X-CSRF-Token': signedIn.csrfToken };
    const { secret, recoveryCodes } = await enrolTotp(signedIn);
    // Confirming the enrolment was a use of the factor: new recovery codes at once.
    await signedIn.agent.post('/auth/mfa/recovery-codes').set(csrf).send({ currentPassword: PASSWORD }).expect(200);
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    const registration = (await signedIn.agent.post('/auth/passkeys/register/options').set(csrf).expect(200)).body;
    const first = await signedIn.agent
      .post('/auth/passkeys/register')
      .set(csrf)
      .send({ response: authenticator.create(registration) })
      .expect(201);

    // A fresh password, without the code: fresh for routes that ask no second factor, not for those that do.
    await reauthenticate(caller, { password: PASSWORD }).expect(204);
    await signedIn.agent.post('/auth/api-keys').set(csrf).send({ name: 'ci' }).expect(201);
    const methods = ['password', 'totp', 'recovery', 'passkey'];
    expectReauthenticationRequired(
      await signedIn.agent.post('/auth/mfa/recovery-codes').set(csrf).send({ currentPassword: PASSWORD }),
      methods,
      false,
      'recovery codes after the password alone',
    );
    expectReauthenticationRequired(
      await signedIn.agent.delete(`/auth/passkeys/${first.body.id}`).set(csrf).send({}),
      methods,
      false,
      'passkey removal after the password alone',
    );

    // The enrolment spent the current step's code: the next step's is within the accepted drift.
    await awayFromStepEdge();
    await reauthenticate(caller, { password: PASSWORD, code: totp(secret, Date.now() / 1000 + 30) }).expect(204);
    const codes = (
      await signedIn.agent.post('/auth/mfa/recovery-codes').set(csrf).send({ currentPassword: PASSWORD }).expect(200)
    ).body.recoveryCodes as string[];
    assert.notDeepEqual(codes, recoveryCodes);

    await reauthenticate(caller, { password: PASSWORD }).expect(204);
    await reauthenticate(caller, { password: PASSWORD, recoveryCode: codes[0] }).expect(204);
    const latest = (
      await signedIn.agent.post('/auth/mfa/recovery-codes').set(csrf).send({ currentPassword: PASSWORD }).expect(200)
    ).body.recoveryCodes as string[];

    // A passkey assertion with user verification is the whole proof, second factor included.
    await reauthenticate(caller, { password: PASSWORD }).expect(204);
    const without = (await call(t.url, caller, 'post', '/auth/reauthenticate/options').expect(200)).body
      .passkeyOptions as PublicKeyCredentialRequestOptionsJSON;
    await reauthenticate(caller, { response: authenticator.get(without, { userVerified: false }) }).expect(401);
    const options = (await call(t.url, caller, 'post', '/auth/reauthenticate/options').expect(200)).body
      .passkeyOptions as PublicKeyCredentialRequestOptionsJSON;
    await reauthenticate(caller, { response: authenticator.get(options) }).expect(204);
    await signedIn.agent
      .delete(`/auth/passkeys/${first.body.id}`)
      .set(csrf)
      .send({ currentPassword: PASSWORD })
      .expect(204);

    // Turning TOTP off takes a code in its own body: a fresh password before it is enough.
    await reauthenticate(caller, { password: PASSWORD }).expect(204);
    await signedIn.agent
      .delete('/auth/mfa/totp')
      .set(csrf)
      .send({ currentPassword: PASSWORD, code: latest[0] })
      .expect(204);
  });

  it('re-authenticates a bearer caller by password and TOTP into a token pair whose amr holds both', async () => {
    const email = uniqueEmail('bearer-mfa');
    const signedIn = await login(t.url, email);
    const { secret, recoveryCodes } = await enrolTotp(signedIn);
    const first = await request(t.url).post('/auth/token').send({ email, password: PASSWORD }).expect(200);
    const issued = await request(t.url)
      .post('/auth/token/mfa')
      .send({ mfaToken: first.body.mfaToken, recoveryCode: recoveryCodes[0] })
      .expect(200);
    assert.deepEqual(decodeSegment(issued.body.access_token, 1).amr, ['pwd', 'otp', 'mfa']);
    const bearer: Caller = { kind: 'bearer', tokens: issued.body, email };
    const renewed = await reauthenticate(bearer, { password: PASSWORD }).expect(200);
    assert.deepEqual(decodeSegment(renewed.body.access_token, 1).amr, ['pwd']);
    const refused = await request(t.url)
      .post('/auth/mfa/recovery-codes')
      .set('Authorization', `Bearer ${renewed.body.access_token}`)
      .send({ currentPassword: PASSWORD });
    expectReauthenticationRequired(
      refused,
      ['password', 'totp', 'recovery'],
      true,
      'bearer recovery codes after the password alone',
    );
    await awayFromStepEdge();
    const withCode = await reauthenticate(
      { kind: 'bearer', tokens: renewed.body, email },
      { password: PASSWORD, code: totp(secret, Date.now() / 1000 + 30) },
    ).expect(200);
    assert.deepEqual(decodeSegment(withCode.body.access_token, 1).amr, ['pwd', 'otp', 'mfa']);
    await request(t.url)
      .post('/auth/mfa/recovery-codes')
      .set('Authorization', `Bearer ${withCode.body.access_token}`)
      .send({ currentPassword: PASSWORD })
      .expect(200);
  });

  it('refuses wrong proofs with one generic 401, and counts them toward the account back-off', async () => {
    const email = uniqueEmail('reauth-backoff');
    const signedIn = await login(t.url, email);
    const caller: Caller = { kind: 'session', session: signedIn };
    await reauthenticate(caller, {}).expect(400);
    await reauthenticate(caller, { password: PASSWORD, response: {} }).expect(400);
    for (let i = 0; i < 3; i++) {
      const wrong = await reauthenticate(caller, { password: 'not the password at all' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.message, 'Reauthentication failed');
    }
    const locked = await reauthenticate(caller, { password: PASSWORD });
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    // The same account's logins back off too.
    await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(429);
  });

  it('counts wrong codes toward the second-factor back-off, and wrong passkey assertions toward the account’s', async () => {
    const signedIn = await login(t.url);
    const caller: Caller = { kind: 'session', session: signedIn };
    await enrolTotp(signedIn);
    for (let i = 0; i < 3; i++) await reauthenticate(caller, { password: PASSWORD, code: '000000' }).expect(401);
    await reauthenticate(caller, { password: PASSWORD, code: '000000' }).expect(429);

    const other = await login(t.url);
    const otherCaller: Caller = { kind: 'session', session: other };
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    const csrf = { 'X-CSRF-Token': other.csrfToken };
    const registration = (await other.agent.post('/auth/passkeys/register/options').set(csrf).expect(200)).body;
    await other.agent
      .post('/auth/passkeys/register')
      .set(csrf)
      .send({ response: authenticator.create(registration) })
      .expect(201);
    for (let i = 0; i < 3; i++) {
      const options = (await call(t.url, otherCaller, 'post', '/auth/reauthenticate/options').expect(200)).body
        .passkeyOptions;
      await reauthenticate(otherCaller, { response: authenticator.get(options, { userVerified: false }) }).expect(401);
    }
    const options = (await call(t.url, otherCaller, 'post', '/auth/reauthenticate/options').expect(200)).body
      .passkeyOptions;
    await reauthenticate(otherCaller, { response: authenticator.get(options) }).expect(429);
  });

  it('needs the caller to be signed in, and a session to send its CSRF token', async () => {
    await request(t.url).post('/auth/reauthenticate').send({ password: PASSWORD }).expect(401);
    await request(t.url).post('/auth/reauthenticate/options').expect(401);
    const signedIn = await login(t.url);
    await signedIn.agent.post('/auth/reauthenticate').send({ password: PASSWORD }).expect(403);
  });
});
