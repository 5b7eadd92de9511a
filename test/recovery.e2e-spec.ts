import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { USER_STORE, UserStore } from '../src/auth/core/user-store';
import { Identities } from '../src/auth/oidc/identities.service';
import { login, LoggedIn, PASSWORD, register, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { linkPath, TestSmtpServer, tokenIn } from './support/smtp';
import { TestAccount, TestBrowser, TestOidcProvider } from './support/oidc-provider';
import { SoftwareAuthenticator } from './support/software-authenticator';

const ORIGIN = 'http://localhost:4711';
const NEW_PASSWORD = 'a brand new passphrase';
const INTRUDER_PASSWORD = 'the intruder chose this one';
const VERIFY = /Confirm your email/;
const RESET = /Reset your/;
const CONFIRM_CHANGE = /Confirm your new email/;
const INVALID = { statusCode: 400, message: 'Invalid or expired token', error: 'Bad Request' };
const ADMIN = { email: 'recovery-admin@example.com', password: 'an admin passphrase here' };
const CHANGED = /How you sign in to .* changed/;
const csrf = (session: LoggedIn) => ({ 'X-CSRF-Token': session.csrfToken });

describe(`recovery ends every way in that it must (${storageMode})`, () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  before(async () => {
    smtp = await TestSmtpServer.start();
    t = await startApp({
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'http://app.example',
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: ORIGIN,
      LOCKOUT_THRESHOLD: '1000',
      AUTH_BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  /** A signed-in user with a pending email change (its confirmation mail) and a reset link (its mail). */
  async function withPendingLinks() {
    const email = uniqueEmail('pending');
    const session = await login(t.url, email);
    const newEmail = uniqueEmail('elsewhere');
    await session.agent
      .post('/auth/email')
      .set(csrf(session))
      .send({ newEmail, currentPassword: PASSWORD })
      .expect(202);
    const change = await smtp.mailTo(newEmail, CONFIRM_CHANGE);
    await request(t.url).post('/auth/password/forgot').send({ email }).expect(202);
    const reset = await smtp.mailTo(email, RESET);
    return { email, session, change, reset };
  }

  async function assertDead(links: { change?: { text: string }; reset?: { text: string } }) {
    if (links.change)
      await request(t.url)
        .post('/auth/email/verify')
        .send({ token: tokenIn(links.change) })
        .expect(400, INVALID);
    if (links.reset) {
      await request(t.url)
        .post('/auth/password/reset')
        .send({ token: tokenIn(links.reset), newPassword: NEW_PASSWORD })
        .expect(400, INVALID);
    }
  }

  it('a password change voids the pending email change and every reset link', async () => {
    const { session, change, reset } = await withPendingLinks();
    await session.agent
      .post('/auth/password')
      .set(csrf(session))
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(204);
    await assertDead({ change, reset });
  });

  it('logout-all voids the pending email change and every reset link', async () => {
    const { session, change, reset } = await withPendingLinks();
    await session.agent.post('/auth/logout-all').set(csrf(session)).expect(204);
    await assertDead({ change, reset });
  });

  it('an email change voids the reset links sent to the old address', async () => {
    const { email, change, reset } = await withPendingLinks();
    await request(t.url)
      .post('/auth/email/verify')
      .send({ token: tokenIn(change) })
      .expect(204);
    await assertDead({ reset });
    await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(401);
  });

  it('a reset link holds only while the address it went to is the account’s, even when the address changes outside the module', async () => {
    const email = uniqueEmail('moved');
    const user = (await request(t.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201)).body;
    await request(t.url).post('/auth/password/forgot').send({ email }).expect(202);
    const reset = await smtp.mailTo(email, RESET);
    // A host's own admin tool moving the address, which no sweep of the module hears.
    await t.app.get<symbol, UserStore>(USER_STORE).setEmail(user.id, uniqueEmail('moved-by-host'));
    await assertDead({ reset });
  });

  /**
   * The pre-hijack of Sudhodanan and Paverd: someone registers the victim's address first and sets up
   * a session, a token pair, an API key, a passkey and a linked identity, all before the owner proves
   * the address. The answer for each, once the owner has proven it.
   */
  async function hijacked() {
    const email = uniqueEmail('victim');
    const user = (await request(t.url).post('/auth/register').send({ email, password: INTRUDER_PASSWORD }).expect(201))
      .body;
    const verification = await smtp.mailTo(email, VERIFY);
    const intruder = await login(t.url, email, INTRUDER_PASSWORD, false);
    const tokens = (await request(t.url).post('/auth/token').send({ email, password: INTRUDER_PASSWORD }).expect(200))
      .body;
    const key = (await intruder.agent.post('/auth/api-keys').set(csrf(intruder)).send({ name: 'mine now' }).expect(201))
      .body.key;
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    const options = (await intruder.agent.post('/auth/passkeys/register/options').set(csrf(intruder)).expect(200)).body;
    await intruder.agent
      .post('/auth/passkeys/register')
      .set(csrf(intruder))
      .send({ response: authenticator.create(options) })
      .expect(201);
    await t.app.get(Identities).link(user.id, {
      provider: 'test',
      subject: `intruder-${user.id}`,
      email,
      emailVerified: false,
      name: null,
      providerDidMfa: false,
    });
    const passkeySignIn = async () => {
      const loginOptions = (await request(t.url).post('/auth/passkeys/login/options').send({}).expect(200)).body;
      return request(t.url)
        .post('/auth/passkeys/login')
        .send({ response: authenticator.get(loginOptions) });
    };
    // Everything works before the proof.
    await intruder.agent.get('/examples/profile').expect(200);
    await request(t.url).get('/auth/me').set('X-API-Key', key).expect(200);
    await passkeySignIn().then((response) => assert.equal(response.status, 200));
    return { email, user, verification, intruder, tokens, key, passkeySignIn };
  }

  async function assertFootholdsEnded(foothold: Awaited<ReturnType<typeof hijacked>>) {
    await foothold.intruder.agent.get('/examples/profile').expect(401);
    await request(t.url)
      .get('/examples/profile')
      .set('Authorization', `Bearer ${foothold.tokens.access_token}`)
      .expect(401);
    await request(t.url).post('/auth/token/refresh').send({ refresh_token: foothold.tokens.refresh_token }).expect(401);
    await request(t.url).get('/auth/me').set('X-API-Key', foothold.key).expect(401);
    assert.equal((await foothold.passkeySignIn()).status, 401, 'the passkey is gone');
    assert.deepEqual(await t.app.get(Identities).list(foothold.user.id), [], 'the identity is unlinked');
  }

  it('the owner’s verification link, the first proof of the address, ends every way in made before it', async () => {
    const foothold = await hijacked();
    await request(t.url)
      .get(linkPath(foothold.verification))
      .expect(302)
      .expect('Location', '/account?emailVerified=1');
    await assertFootholdsEnded(foothold);
  });

  it('a reset by mail of an account never verified is the first proof: it ends every way in made before it, and verifies', async () => {
    const foothold = await hijacked();
    await request(t.url).post('/auth/password/forgot').send({ email: foothold.email }).expect(202);
    const reset = await smtp.mailTo(foothold.email, RESET);
    await request(t.url)
      .post('/auth/password/reset')
      .send({ token: tokenIn(reset), newPassword: NEW_PASSWORD })
      .expect(204);
    await assertFootholdsEnded(foothold);
    await request(t.url)
      .post('/auth/email/verify')
      .send({ token: tokenIn(foothold.verification) })
      .expect(400, INVALID);
    const owner = await login(t.url, foothold.email, NEW_PASSWORD, false);
    assert.equal((await owner.agent.get('/auth/me').expect(200)).body.user.emailVerified, true);
  });

  it('keeps the session that opens the verification link, and only that one', async () => {
    const email = uniqueEmail('own');
    await request(t.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201);
    const verification = await smtp.mailTo(email, VERIFY);
    const here = await login(t.url, email, PASSWORD, false);
    const elsewhere = await login(t.url, email, PASSWORD, false);
    await here.agent.get(linkPath(verification)).expect(302).expect('Location', '/account?emailVerified=1');
    assert.equal((await here.agent.get('/auth/me').expect(200)).body.user.emailVerified, true);
    await elsewhere.agent.get('/auth/me').expect(401);
  });

  it('tells the user of a new API key and a newly bound client certificate, and names what ends each', async () => {
    const session = await login(t.url, uniqueEmail('noticed'));
    await session.agent.post('/auth/api-keys').set(csrf(session)).send({ name: 'ci' }).expect(201);
    const [key] = await smtp.mailsTo(session.user.email, CHANGED, 1);
    assert.match(key.text, /An API key was created/);
    assert.match(key.text, /revoke the key in the list of API keys on your account page/);
    assert.match(key.text, /a new password alone does not revoke it/);
    assert.match(key.text, /http:\/\/app\.example\/account/);
    const admin = await login(t.url, ADMIN.email, ADMIN.password, false);
    await admin.agent
      .post('/auth/admin/service-certificates')
      .set(csrf(admin))
      .send({ userId: session.user.id, fingerprint: randomBytes(32).toString('hex').toUpperCase(), name: 'service' })
      .expect(201);
    const [, certificate] = await smtp.mailsTo(session.user.email, CHANGED, 2);
    assert.match(certificate.text, /A client certificate was bound/);
    assert.match(certificate.text, /ask your administrator to revoke the certificate binding/);
  });

  it('a later verification (of an address proven already) ends nothing', async () => {
    const email = uniqueEmail('twice');
    const session = await login(t.url, email);
    const first = await smtp.mailTo(email, VERIFY);
    await session.agent.get(linkPath(first)).expect(302);
    const key = (await session.agent.post('/auth/api-keys').set(csrf(session)).send({ name: 'kept' }).expect(201)).body
      .key;
    await request(t.url).post('/auth/password/forgot').send({ email }).expect(202);
    const reset = await smtp.mailTo(email, RESET);
    await request(t.url)
      .post('/auth/password/reset')
      .send({ token: tokenIn(reset), newPassword: NEW_PASSWORD })
      .expect(204);
    // A reset of a verified account ends sessions and tokens, as always, but not the keys the owner made after proving the address.
    await request(t.url).get('/auth/me').set('X-API-Key', key).expect(200);
  });
});

describe(`REQUIRE_VERIFIED_EMAIL holds for every way to sign in (${storageMode})`, () => {
  const PUBLIC_URL = 'http://app.test';
  const WEB = {
    client_id: 'nest-auth-web',
    client_secret: randomBytes(24).toString('hex'),
    redirect_uris: [`${PUBLIC_URL}/auth/oidc/test/callback`],
  };
  let idp: TestOidcProvider;
  let t: TestApp;
  before(async () => {
    idp = await TestOidcProvider.start({ clients: [WEB], conformIdTokenClaims: false });
    t = await startApp({
      PUBLIC_URL,
      REQUIRE_VERIFIED_EMAIL: 'true',
      OIDC_PROVIDERS: 'test',
      OIDC_TEST_ISSUER: idp.issuer,
      OIDC_TEST_CLIENT_ID: WEB.client_id,
      OIDC_TEST_CLIENT_SECRET: WEB.client_secret,
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: ORIGIN,
    });
    for (let i = 0; i < 100 && (await request(t.url).get('/auth/oidc/test/login')).status !== 302; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(async () => {
    await t?.close();
    await idp?.close();
  });

  const users = () => t.app.get<symbol, UserStore>(USER_STORE);

  async function oidcSignIn(who: TestAccount): Promise<number> {
    const b = new TestBrowser({ [PUBLIC_URL]: t.url });
    idp.nextLogin = who;
    const started = await b.get(`${PUBLIC_URL}/auth/oidc/test/login`);
    const { location } = await b.follow(started.headers.get('location') as string, (next) =>
      next.startsWith(PUBLIC_URL),
    );
    return (await b.get(location as string)).status;
  }

  it('refuses an OpenID sign-in to a user whose address is not verified here, and admits it once it is', async () => {
    const user = await request(t.url)
      .post('/auth/register')
      .send({ email: uniqueEmail('strict-oidc'), password: PASSWORD })
      .expect(201);
    const who: TestAccount = { sub: randomUUID(), email: uniqueEmail('at-idp'), email_verified: true };
    await t.app.get(Identities).link(user.body.id, {
      provider: 'test',
      subject: who.sub,
      email: who.email as string,
      emailVerified: true,
      name: null,
      providerDidMfa: false,
    });
    assert.equal(await oidcSignIn(who), 401);
    await users().setEmailVerified(user.body.id, true);
    assert.equal(await oidcSignIn(who), 302);
  });

  it('refuses every unsafe session route without the CSRF token (403), and lets the token through', async () => {
    const email = uniqueEmail('csrf');
    const user = (await request(t.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201)).body;
    await users().setEmailVerified(user.id, true);
    const session = await login(t.url, email, PASSWORD, false);
    const identity = randomUUID();
    const routes: Array<[string, (withToken: boolean) => request.Test]> = [
      [
        'POST /auth/email',
        (w) =>
          withCsrf(session.agent.post('/auth/email'), w).send({
            newEmail: uniqueEmail('x'),
            currentPassword: PASSWORD,
          }),
      ],
      [
        'POST /auth/mfa/recovery-codes',
        (w) => withCsrf(session.agent.post('/auth/mfa/recovery-codes'), w).send({ currentPassword: PASSWORD }),
      ],
      [
        'POST /auth/mfa/totp/confirm',
        (w) => withCsrf(session.agent.post('/auth/mfa/totp/confirm'), w).send({ code: '123456' }),
      ],
      ['POST /auth/email/verification', (w) => withCsrf(session.agent.post('/auth/email/verification'), w)],
      ['DELETE /auth/identities/:id', (w) => withCsrf(session.agent.delete(`/auth/identities/${identity}`), w)],
    ];
    function withCsrf(pending: request.Test, withToken: boolean): request.Test {
      return withToken ? pending.set(csrf(session)) : pending;
    }
    for (const [route, call] of routes) {
      const refused = await call(false);
      assert.equal(refused.status, 403, route);
      assert.equal(refused.body.message, 'Invalid CSRF token', route);
      assert.notEqual((await call(true)).status, 403, `${route} with the token`);
    }
  });

  it('refuses a passkey sign-in to a user whose address is not verified, and admits it once it is', async () => {
    const email = uniqueEmail('strict-passkey');
    const user = (await request(t.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201)).body;
    await users().setEmailVerified(user.id, true);
    const session = await login(t.url, email, PASSWORD, false);
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    const options = (
      await session.agent.post('/auth/passkeys/register/options').set('X-CSRF-Token', session.csrfToken).expect(200)
    ).body;
    await session.agent
      .post('/auth/passkeys/register')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ response: authenticator.create(options) })
      .expect(201);
    const passkeySignIn = async () => {
      const loginOptions = (await request(t.url).post('/auth/passkeys/login/options').send({}).expect(200)).body;
      return request(t.url)
        .post('/auth/passkeys/login')
        .send({ response: authenticator.get(loginOptions) });
    };
    await users().setEmailVerified(user.id, false);
    const refused = await passkeySignIn();
    assert.equal(refused.status, 403);
    assert.equal(refused.body.message, 'Email not verified');
    await users().setEmailVerified(user.id, true);
    assert.equal((await passkeySignIn()).status, 200);
  });
});

describe(`limits on the routes that mail, spend links or hand out second steps (${storageMode})`, () => {
  const PUBLIC_URL = 'http://app.test';
  const WEB = {
    client_id: 'nest-auth-web',
    client_secret: randomBytes(24).toString('hex'),
    redirect_uris: [`${PUBLIC_URL}/auth/oidc/test/callback`],
  };
  const LIMIT = 4;
  let idp: TestOidcProvider;
  let t: TestApp;
  before(async () => {
    idp = await TestOidcProvider.start({ clients: [WEB] });
    t = await startApp({
      PUBLIC_URL,
      THROTTLE_AUTH_LIMIT: String(LIMIT),
      OIDC_PROVIDERS: 'test',
      OIDC_TEST_ISSUER: idp.issuer,
      OIDC_TEST_CLIENT_ID: WEB.client_id,
      OIDC_TEST_CLIENT_SECRET: WEB.client_secret,
    });
  });
  after(async () => {
    await t?.close();
    await idp?.close();
  });

  const refusedWithRetryAfter = (response: request.Response) => {
    assert.equal(response.status, 429, `${response.status} ${response.text}`);
    assert.ok(Number(response.headers['retry-after']) > 0);
  };

  it('POST /auth/email: 3 requests an account an hour, whatever their outcome, then 429; and the IP limit of login', async () => {
    const first = await login(t.url);
    const change = (session: LoggedIn, body: object) => session.agent.post('/auth/email').set(csrf(session)).send(body);
    const taken = await register(t.url);
    await change(first, { newEmail: uniqueEmail('new'), currentPassword: 'not the password' }).expect(400);
    await change(first, { newEmail: taken.email, currentPassword: PASSWORD }).expect(409);
    await change(first, { newEmail: uniqueEmail('new'), currentPassword: PASSWORD }).expect(202);
    const overAccount = await change(first, { newEmail: uniqueEmail('new'), currentPassword: PASSWORD });
    refusedWithRetryAfter(overAccount);
    assert.ok(Number(overAccount.headers['retry-after']) > 60, 'the account waits for its hour');
    // Another account from the same IP: the IP's 4 requests a minute are spent.
    const second = await login(t.url);
    refusedWithRetryAfter(await change(second, { newEmail: uniqueEmail('new'), currentPassword: PASSWORD }));
  });

  for (const [what, call] of [
    [
      'POST /auth/token/revoke',
      () =>
        request(t.url)
          .post('/auth/token/revoke')
          .send({ refresh_token: 'x'.repeat(43) }),
    ],
    ['GET /auth/email/verify', () => request(t.url).get(`/auth/email/verify?token=${'x'.repeat(43)}`)],
    ['GET /auth/oidc/second-step', () => request(t.url).get('/auth/oidc/second-step')],
  ] as const) {
    it(`${what} is limited per IP like login`, async () => {
      for (let i = 0; i < LIMIT; i++) assert.notEqual((await call()).status, 429, `request ${i + 1}`);
      refusedWithRetryAfter(await call());
    });
  }
});
