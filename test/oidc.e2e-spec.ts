import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import {
  login,
  PASSWORD,
  productionMode,
  register,
  sessionCookie,
  startApp,
  startAppProcess,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';
import { USER_STORE, UserStore } from '../src/auth/core/user-store';
import { Identities } from '../src/auth/oidc/identities.service';
import { freePort, TestAccount, TestBrowser, TestOidcProvider } from './support/oidc-provider';
import { totp } from './support/totp';

const PUBLIC_URL = 'http://app.test';
const SIGN_IN_FAILED = { statusCode: 401, message: 'Sign-in failed', error: 'Unauthorized' };
const ACCOUNT_EXISTS = 'Account exists: sign in and link it from your account';
const ADMIN = { email: 'oidc-admin@example.com', password: 'an admin passphrase here' };
const secret = () => randomBytes(24).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const base64url = (buffer: Buffer) => buffer.toString('base64url');

const callbackOf = (provider: string) => `${PUBLIC_URL}/auth/oidc/${provider}/callback`;
const WEB = { client_id: 'nest-auth-web', client_secret: secret(), redirect_uris: [callbackOf('test')] };
const STRANGER = { client_id: 'someone-else', client_secret: secret(), redirect_uris: [callbackOf('test')] };
const CORP = { client_id: 'nest-auth-corp', client_secret: secret(), redirect_uris: [callbackOf('corp')] };

const providerEnv = (name: string, issuer: string, client: { client_id: string; client_secret: string }) => ({
  [`OIDC_${name}_ISSUER`]: issuer,
  [`OIDC_${name}_CLIENT_ID`]: client.client_id,
  [`OIDC_${name}_CLIENT_SECRET`]: client.client_secret,
});

const account = (label = 'oidc', verified = true): TestAccount => ({
  sub: randomUUID(),
  email: uniqueEmail(label),
  email_verified: verified,
  name: 'Ada Lovelace',
});

describe(`sign-in with OpenID Connect against a real provider (${storageMode})`, () => {
  let idp: TestOidcProvider;
  let corp: TestOidcProvider;
  let t: TestApp;

  const browser = () => new TestBrowser({ [PUBLIC_URL]: t.url });

  /** Starts a flow in `b` and goes through the provider, stopping at the callback URL it sends the browser to. */
  async function throughProvider(
    b: TestBrowser,
    who: TestAccount | 'deny',
    path = '/auth/oidc/test/login',
    provider = idp,
  ): Promise<string> {
    provider.nextLogin = who;
    const location = /^\/auth\/oidc\/\w+\/link/.test(path) ? await startLink(b, path) : await startLogin(b, path);
    assert.ok(location.startsWith(provider.issuer), location);
    const { location: callback } = await b.follow(location, (next) => next.startsWith(PUBLIC_URL));
    assert.ok(callback, 'the provider sent the browser back');
    return callback;
  }

  async function startLogin(b: TestBrowser, path: string): Promise<string> {
    const started = await b.get(`${PUBLIC_URL}${path}`);
    assert.equal(started.status, 302, `start answered ${started.status}`);
    return started.headers.get('location') as string;
  }

  /** Linking starts from a POST with the session's CSRF token, which answers the provider's URL. */
  async function startLink(b: TestBrowser, path: string): Promise<string> {
    const url = new URL(`${PUBLIC_URL}${path}`);
    const returnTo = url.searchParams.get('returnTo') ?? undefined;
    const headers = { 'content-type': 'application/json', 'x-csrf-token': await csrfOf(b) };
    const started = await b.request('POST', `${PUBLIC_URL}${url.pathname}`, headers, JSON.stringify({ returnTo }));
    assert.equal(started.status, 200, `link start answered ${started.status}`);
    return ((await started.json()) as { url: string }).url;
  }

  async function signIn(who: TestAccount, b = browser(), returnTo = '/account/welcome') {
    const callback = await throughProvider(b, who, `/auth/oidc/test/login?returnTo=${encodeURIComponent(returnTo)}`);
    const done = await b.get(callback);
    assert.equal(done.status, 302, await done.clone().text());
    const me = await b.get(`${PUBLIC_URL}/auth/me`);
    assert.equal(me.status, 200);
    return {
      b,
      done,
      me: (await me.json()) as { user: { id: string; email: string; emailVerified: boolean }; via: string },
    };
  }

  async function refused(b: TestBrowser, callback: string) {
    const answer = await b.get(callback);
    assert.equal(answer.status, 401);
    assert.deepEqual(await answer.json(), SIGN_IN_FAILED);
    assert.equal((await b.get(`${PUBLIC_URL}/auth/me`)).status, 401, 'no session after a refused callback');
  }

  const csrfOf = async (b: TestBrowser) =>
    ((await (await b.get(`${PUBLIC_URL}/auth/csrf`)).json()) as { csrfToken: string }).csrfToken;

  /** A password user's session in a browser. */
  async function passwordBrowser(email = uniqueEmail('local')) {
    const session = await login(t.url, email);
    const b = browser();
    b.setCookie(PUBLIC_URL, session.cookie);
    return { b, session, email };
  }

  /** An ID token the provider itself issues to `client` for `who`, by the code flow (what a mobile SDK gets). */
  async function providerIdToken(who: TestAccount, client = WEB, nonce?: string): Promise<string> {
    idp.nextLogin = who;
    const verifier = base64url(randomBytes(32));
    const challenge = base64url(createHash('sha256').update(verifier).digest());
    const query = new URLSearchParams({
      client_id: client.client_id,
      response_type: 'code',
      scope: 'openid email profile',
      redirect_uri: client.redirect_uris[0],
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: base64url(randomBytes(16)),
      ...(nonce ? { nonce } : {}),
    });
    const b = new TestBrowser();
    const { location } = await b.follow(`${idp.issuer}/auth?${query}`, (next) => next.startsWith(PUBLIC_URL));
    const code = new URL(location as string).searchParams.get('code') as string;
    const token = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: client.redirect_uris[0],
      }),
    });
    assert.equal(token.status, 200, await token.clone().text());
    return ((await token.json()) as { id_token: string }).id_token;
  }

  before(async () => {
    idp = await TestOidcProvider.start({ clients: [WEB, STRANGER], conformIdTokenClaims: false });
    // The second provider keeps email claims in UserInfo only (oidc-provider's default), as some IdPs do.
    corp = await TestOidcProvider.start({ clients: [CORP] });
    t = await startApp({
      PUBLIC_URL,
      OIDC_PROVIDERS: 'test,corp',
      ...providerEnv('TEST', idp.issuer, WEB),
      ...providerEnv('CORP', corp.issuer, CORP),
      AUTH_BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      LOCKOUT_THRESHOLD: '1000',
    });
    for (let i = 0; i < 100; i++) {
      const [a, b] = await Promise.all([
        request(t.url).get('/auth/oidc/test/login'),
        request(t.url).get('/auth/oidc/corp/login'),
      ]);
      if (a.status === 302 && b.status === 302) break;
      await sleep(100);
    }
  });
  after(async () => {
    await t?.close();
    await idp?.close();
    await corp?.close();
  });

  it('lists the providers, and answers 404 for one that is not configured', async () => {
    const list = await request(t.url).get('/auth/oidc/providers').expect(200);
    assert.deepEqual(list.body, [
      { name: 'test', loginUrl: '/auth/oidc/test/login' },
      { name: 'corp', loginUrl: '/auth/oidc/corp/login' },
    ]);
    await request(t.url).get('/auth/oidc/nope/login').expect(404);
    await request(t.url).get('/auth/oidc/nope/callback?code=x&state=y').expect(404);
  });

  it('sends the browser to the provider with PKCE S256, state and nonce', async () => {
    const started = await browser().get(`${PUBLIC_URL}/auth/oidc/test/login`);
    assert.equal(started.status, 302);
    const url = new URL(started.headers.get('location') as string);
    assert.equal(`${url.origin}${url.pathname}`, `${idp.issuer}/auth`);
    const params = url.searchParams;
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('client_id'), WEB.client_id);
    assert.equal(params.get('redirect_uri'), callbackOf('test'));
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.match(params.get('code_challenge') as string, /^[A-Za-z0-9_-]{43}$/);
    assert.ok((params.get('state') as string).length >= 22);
    assert.ok((params.get('nonce') as string).length >= 22);
    assert.deepEqual((params.get('scope') as string).split(' ').sort(), ['email', 'openid', 'profile']);
  });

  it('creates a user without a password on the first sign-in, on a new session ID, and finds the same user the next time', async () => {
    const who = account();
    const b = browser();
    const callback = await throughProvider(b, who, '/auth/oidc/test/login?returnTo=%2Faccount%2Fwelcome');
    const before = b.cookiesFor(PUBLIC_URL);
    const done = await b.get(callback);
    assert.equal(done.status, 302);
    assert.equal(done.headers.get('location'), '/account/welcome');
    const cookie = sessionCookie(done.headers.getSetCookie());
    assert.ok(!before.includes(cookie), 'the session ID changed at sign-in');
    assert.match(done.headers.getSetCookie().find((c) => c.startsWith('sid=')) as string, /HttpOnly/i);
    assert.match(done.headers.getSetCookie().find((c) => c.startsWith('sid=')) as string, /SameSite=Lax/i);
    const me = (await (await b.get(`${PUBLIC_URL}/auth/me`)).json()) as {
      user: { id: string; email: string; emailVerified: boolean };
      via: string;
    };
    assert.equal(me.user.email, who.email);
    assert.equal(me.user.emailVerified, true);
    assert.equal(me.via, 'session');
    // The session is a full one: its CSRF token works for an unsafe request.
    const csrf = await csrfOf(b);
    assert.equal((await b.request('POST', `${PUBLIC_URL}/auth/logout`, { 'x-csrf-token': csrf })).status, 204);

    const again = await signIn(who);
    assert.equal(again.me.user.id, me.user.id);
    const identities = (await (await again.b.get(`${PUBLIC_URL}/auth/identities`)).json()) as Array<
      Record<string, unknown>
    >;
    assert.equal(identities.length, 1);
    assert.deepEqual(Object.keys(identities[0]).sort(), ['createdAt', 'email', 'id', 'provider']);
    assert.equal(identities[0].provider, 'test');

    const audit = await login(t.url, ADMIN.email, ADMIN.password, false);
    const events = await audit.agent.get(`/auth/admin/audit?userId=${me.user.id}&type=login.succeeded`).expect(200);
    assert.ok(events.body.some((event: { detail: { method: string } }) => event.detail?.method === 'oidc:test'));
  });

  it('completes the claims from UserInfo for a provider that keeps them there', async () => {
    const who = account('corp');
    const b = browser();
    const callback = await throughProvider(b, who, '/auth/oidc/corp/login', corp);
    assert.equal((await b.get(callback)).status, 302);
    const me = (await (await b.get(`${PUBLIC_URL}/auth/me`)).json()) as { user: { email: string } };
    assert.equal(me.user.email, who.email);
  });

  it('honours returnTo only for a path on this origin', async () => {
    for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'account', '/ok path']) {
      const { done } = await signIn(account(), browser(), returnTo);
      assert.equal(done.headers.get('location'), '/account', returnTo);
    }
    assert.equal(
      (await signIn(account(), browser(), '/account?tab=keys')).done.headers.get('location'),
      '/account?tab=keys',
    );
  });

  it('a user created by a provider has no password: password login, reset and change are refused with their generic answers', async () => {
    const who = account();
    const { b } = await signIn(who);
    await request(t.url).post('/auth/login').send({ email: who.email, password: PASSWORD }).expect(401, {
      statusCode: 401,
      message: 'Invalid email or password',
      error: 'Unauthorized',
    });
    const csrf = await csrfOf(b);
    const change = await fetch(`${t.url}/auth/password`, {
      method: 'POST',
      headers: { cookie: b.cookiesFor(PUBLIC_URL), 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: 'whatever it might be', newPassword: 'a new passphrase here' }),
    });
    assert.equal(change.status, 400);
    assert.equal(((await change.json()) as { message: string }).message, 'Current password is incorrect');

    // A password user's reset mail shows the queue ran; none goes to the provider's user.
    const local = await register(t.url);
    await request(t.url).post('/auth/password/forgot').send({ email: who.email }).expect(202);
    await request(t.url).post('/auth/password/forgot').send({ email: local.email }).expect(202);
    const outbox = join(t.env.DATA_DIR as string, 'outbox');
    const resetMails = () =>
      existsSync(outbox) ? readdirSync(outbox).filter((name) => name.includes('-password_reset-')) : [];
    for (let i = 0; i < 100 && resetMails().length === 0; i++) await sleep(50);
    await sleep(300);
    assert.equal(resetMails().length, 1, 'only the password user got a reset mail');
  });

  it('links to an existing account only when both sides have verified the email; otherwise 409 (or 401) and no session', async () => {
    // Local address unverified (a fresh registration), provider verified.
    const local = await register(t.url);
    const b = browser();
    const callback = await throughProvider(b, { ...account(), email: local.email, email_verified: true });
    const conflict = await b.get(callback);
    assert.equal(conflict.status, 409);
    assert.deepEqual(await conflict.json(), { statusCode: 409, message: ACCOUNT_EXISTS, error: 'Conflict' });
    assert.equal((await b.get(`${PUBLIC_URL}/auth/me`)).status, 401);

    // Local address verified, provider not.
    const verified = await register(t.url);
    await t.app.get<symbol, UserStore>(USER_STORE).setEmailVerified(verified.id, true);
    const c2 = browser();
    await refused(c2, await throughProvider(c2, { ...account(), email: verified.email, email_verified: false }));
    assert.equal((await t.app.get(Identities).list(verified.id)).length, 0);

    // Both verified: linked, and signs in as that user.
    const both = await signIn({ ...account(), email: verified.email, email_verified: true });
    assert.equal(both.me.user.id, verified.id);
  });

  it('links an identity while signed in, refuses one linked to another user with 409, and unlinks never the last way to sign in', async () => {
    const { b, session } = await passwordBrowser();
    const who = account();
    const callback = await throughProvider(b, who, '/auth/oidc/test/link?returnTo=%2Faccount%3Flinked%3D1');
    const linked = await b.get(callback);
    assert.equal(linked.status, 302);
    assert.equal(linked.headers.get('location'), '/account?linked=1');
    const identities = (await (await b.get(`${PUBLIC_URL}/auth/identities`)).json()) as Array<{
      id: string;
      provider: string;
      email: string;
    }>;
    assert.deepEqual(
      identities.map(({ provider, email }) => ({ provider, email })),
      [{ provider: 'test', email: who.email }],
    );
    // The identity now signs in the password user.
    assert.equal((await signIn(who)).me.user.id, session.user.id);

    // Someone else's identity cannot be linked.
    const other = account();
    await signIn(other);
    const { b: third } = await passwordBrowser();
    const taken = await third.get(await throughProvider(third, other, '/auth/oidc/test/link'));
    assert.equal(taken.status, 409);
    assert.equal(((await taken.json()) as { message: string }).message, 'Identity linked to another user');

    // Linking needs a session and its CSRF token, and never starts from a GET (a cross-site link or image).
    const post = (b: TestBrowser, headers: Record<string, string> = {}) =>
      b.request('POST', `${PUBLIC_URL}/auth/oidc/test/link`, { 'content-type': 'application/json', ...headers }, '{}');
    assert.equal((await post(browser())).status, 401);
    assert.equal((await post(b)).status, 403);
    assert.equal((await b.get(`${PUBLIC_URL}/auth/oidc/test/link`)).status, 404);

    // The password user may unlink the identity: the password remains.
    const csrf = await csrfOf(b);
    assert.equal(
      (await b.request('DELETE', `${PUBLIC_URL}/auth/identities/${identities[0].id}`, { 'x-csrf-token': csrf })).status,
      204,
    );
    assert.equal(
      (await b.request('DELETE', `${PUBLIC_URL}/auth/identities/${identities[0].id}`, { 'x-csrf-token': csrf })).status,
      404,
    );
  });

  it('asks a user with MFA on for the second factor after an OpenID sign-in, unless the provider says it did MFA (amr)', async () => {
    const { b, session, email } = await passwordBrowser();
    const who = account('mfa');
    assert.equal((await b.get(await throughProvider(b, who, '/auth/oidc/test/link'))).status, 302);
    const started = await session.agent
      .post('/auth/mfa/totp')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ currentPassword: PASSWORD })
      .expect(201);
    const codeAt = (offsetSteps: number) => totp(started.body.secret, Date.now() / 1000 + offsetSteps * 30);
    const confirmed = await session.agent
      .post('/auth/mfa/totp/confirm')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ code: codeAt(0) })
      .expect(200);
    const recoveryCodes: string[] = confirmed.body.recoveryCodes;

    // Without amr: no session yet; the page of this browser picks the mfaToken up once, never from the URL.
    const fresh = browser();
    const done = await fresh.get(await throughProvider(fresh, who, '/auth/oidc/test/login?returnTo=%2Faccount'));
    assert.equal(done.status, 302);
    assert.equal(done.headers.get('location'), '/account?mfa=required');
    assert.equal((await fresh.get(`${PUBLIC_URL}/auth/me`)).status, 401);
    assert.equal(
      (await browser().get(`${PUBLIC_URL}/auth/oidc/second-step`)).status,
      404,
      'another browser finds nothing',
    );
    const pending = await fresh.get(`${PUBLIC_URL}/auth/oidc/second-step`);
    assert.equal(pending.status, 200);
    const step = (await pending.json()) as { mfaRequired: boolean; mfaToken: string; methods: string[] };
    assert.equal(step.mfaRequired, true);
    assert.ok(step.methods.includes('totp'));
    assert.equal((await fresh.get(`${PUBLIC_URL}/auth/oidc/second-step`)).status, 404, 'handed out once');
    const finished = await fresh.request(
      'POST',
      `${PUBLIC_URL}/auth/login/mfa`,
      { 'content-type': 'application/json' },
      JSON.stringify({ mfaToken: step.mfaToken, code: codeAt(1) }),
    );
    assert.equal(finished.status, 200, await finished.clone().text());
    assert.equal(
      ((await (await fresh.get(`${PUBLIC_URL}/auth/me`)).json()) as { user: { email: string } }).user.email,
      email,
    );

    // The provider did MFA: signed in at once.
    assert.equal((await signIn({ ...who, amr: ['pwd', 'mfa'] })).me.user.email, email);

    // The mobile flow asks the same, and finishes at POST /auth/token/mfa.
    const challenge = (
      await request(t.url)
        .post('/auth/oidc/test/token')
        .send({ id_token: await providerIdToken(who) })
        .expect(200)
    ).body;
    assert.equal(challenge.mfaRequired, true);
    assert.equal(challenge.access_token, undefined);
    const pair = await request(t.url)
      .post('/auth/token/mfa')
      .send({ mfaToken: challenge.mfaToken, recoveryCode: recoveryCodes[0] })
      .expect(200);
    assert.ok(pair.body.access_token);
    const direct = await request(t.url)
      .post('/auth/oidc/test/token')
      .send({ id_token: await providerIdToken({ ...who, amr: ['mfa'] }) })
      .expect(200);
    assert.ok(direct.body.access_token);
  });

  it('unlinking: 404 for another user’s identity, 409 for the last way to sign in of a user without a password', async () => {
    const first = account();
    const { b, me } = await signIn(first);
    const [only] = (await (await b.get(`${PUBLIC_URL}/auth/identities`)).json()) as Array<{ id: string }>;
    let csrf = await csrfOf(b);
    const last = await b.request('DELETE', `${PUBLIC_URL}/auth/identities/${only.id}`, { 'x-csrf-token': csrf });
    assert.equal(last.status, 409);

    const stranger = await signIn(account());
    const strangerCsrf = await csrfOf(stranger.b);
    assert.equal(
      (await stranger.b.request('DELETE', `${PUBLIC_URL}/auth/identities/${only.id}`, { 'x-csrf-token': strangerCsrf }))
        .status,
      404,
    );
    assert.equal(
      (await stranger.b.request('DELETE', `${PUBLIC_URL}/auth/identities/not-a-uuid`, { 'x-csrf-token': strangerCsrf }))
        .status,
      404,
    );

    // With a second identity (at the other provider), one may go, then the other may not.
    const callback = await throughProvider(b, account('second'), '/auth/oidc/corp/link', corp);
    assert.equal((await b.get(callback)).status, 302);
    const both = (await (await b.get(`${PUBLIC_URL}/auth/identities`)).json()) as Array<{
      id: string;
      provider: string;
    }>;
    assert.deepEqual(both.map((identity) => identity.provider).sort(), ['corp', 'test']);
    csrf = await csrfOf(b);
    assert.equal(
      (await b.request('DELETE', `${PUBLIC_URL}/auth/identities/${only.id}`, { 'x-csrf-token': csrf })).status,
      204,
    );
    const remaining = both.find((identity) => identity.id !== only.id) as { id: string };
    assert.equal(
      (await b.request('DELETE', `${PUBLIC_URL}/auth/identities/${remaining.id}`, { 'x-csrf-token': csrf })).status,
      409,
    );
    assert.equal((await b.get(`${PUBLIC_URL}/auth/me`)).status, 200);
    void me;
  });

  it('creates no account for an address the provider has not verified (401), and never takes the address from its owner', async () => {
    const who = account('unverified', false);
    const b = browser();
    await refused(b, await throughProvider(b, who));
    assert.equal(await t.app.get<symbol, UserStore>(USER_STORE).findByEmail(who.email as string), null);
    const owner = await register(t.url, who.email as string);
    assert.equal(owner.email, who.email);
  });

  it('keeps signing in an identity linked by its sub, whatever its email_verified says now', async () => {
    const who = account();
    const first = await signIn(who);
    const again = await signIn({ ...who, email_verified: false });
    assert.equal(again.me.user.id, first.me.user.id);
  });

  it('links by email only once the second factor is answered', async () => {
    const { session, email } = await passwordBrowser();
    await t.app.get<symbol, UserStore>(USER_STORE).setEmailVerified(session.user.id, true);
    const csrf = { 'X-CSRF-Token': session.csrfToken };
    const started = await session.agent
      .post('/auth/mfa/totp')
      .set(csrf)
      .send({ currentPassword: PASSWORD })
      .expect(201);
    const codeAt = (offsetSteps: number) => totp(started.body.secret, Date.now() / 1000 + offsetSteps * 30);
    await session.agent
      .post('/auth/mfa/totp/confirm')
      .set(csrf)
      .send({ code: codeAt(0) })
      .expect(200);
    const who = { ...account('by-email'), email };
    const linked = () => t.app.get(Identities).list(session.user.id);

    // The first factor alone (the provider's sign-in) links nothing, and an unanswered second step never will.
    const abandoned = browser();
    assert.equal(
      (await abandoned.get(await throughProvider(abandoned, who))).headers.get('location'),
      '/account?mfa=required',
    );
    const fresh = browser();
    assert.equal(
      (await fresh.get(await throughProvider(fresh, who, '/auth/oidc/test/login?returnTo=%2Faccount'))).status,
      302,
    );
    const step = (await (await fresh.get(`${PUBLIC_URL}/auth/oidc/second-step`)).json()) as { mfaToken: string };
    assert.deepEqual(await linked(), []);
    const wrong = await fresh.request(
      'POST',
      `${PUBLIC_URL}/auth/login/mfa`,
      { 'content-type': 'application/json' },
      JSON.stringify({ mfaToken: step.mfaToken, code: '000000' }),
    );
    assert.equal(wrong.status, 401);
    assert.deepEqual(await linked(), []);
    const finished = await fresh.request(
      'POST',
      `${PUBLIC_URL}/auth/login/mfa`,
      { 'content-type': 'application/json' },
      JSON.stringify({ mfaToken: step.mfaToken, code: codeAt(1) }),
    );
    assert.equal(finished.status, 200, await finished.clone().text());
    assert.deepEqual(
      (await linked()).map((identity) => identity.provider),
      ['test'],
    );
  });

  it('refuses a forged state with the generic 401 and no session', async () => {
    const b = browser();
    const callback = new URL(await throughProvider(b, account()));
    callback.searchParams.set('state', base64url(randomBytes(32)));
    await refused(b, callback.href);
  });

  it('refuses a replayed callback, and a callback opened in another browser (login CSRF)', async () => {
    const b = browser();
    const callback = await throughProvider(b, account());
    const other = browser();
    await refused(other, callback);
    const stale = browser();
    stale.setCookie(PUBLIC_URL, b.cookiesFor(PUBLIC_URL));
    assert.equal((await b.get(callback)).status, 302);
    // The same callback again: in the signed-in browser, and with the cookie the browser had before.
    const replay = await b.get(callback);
    assert.equal(replay.status, 401);
    assert.deepEqual(await replay.json(), SIGN_IN_FAILED);
    assert.ok(!replay.headers.getSetCookie().some((c) => c.startsWith('sid=')), 'no new session');
    await refused(stale, callback);
  });

  for (const [what, tamper] of [
    [
      'a wrong nonce',
      (token: string) => idp.resign(token, (claims) => ({ ...claims, nonce: base64url(randomBytes(16)) })),
    ],
    [
      'an ID token for another audience',
      (token: string) => idp.resign(token, (claims) => ({ ...claims, aud: STRANGER.client_id })),
    ],
    [
      'an expired ID token',
      (token: string) =>
        idp.resign(token, (claims) => ({
          ...claims,
          iat: Math.floor(Date.now() / 1000) - 7200,
          exp: Math.floor(Date.now() / 1000) - 3600,
        })),
    ],
    ['an ID token signed by another key', (token: string) => idp.resign(token, (claims) => claims, 'other')],
    [
      'an ID token of another issuer',
      (token: string) => idp.resign(token, (claims) => ({ ...claims, iss: 'http://127.0.0.1:1' })),
    ],
  ] as const) {
    it(`refuses ${what} with the generic 401 and no session`, async () => {
      const b = browser();
      const callback = await throughProvider(b, account());
      idp.tamperNextIdToken = tamper;
      await refused(b, callback);
      assert.equal(idp.tamperNextIdToken, undefined, 'the token response was tampered with');
    });
  }

  it('refuses the provider answering error=access_denied with the generic 401 and no session', async () => {
    const b = browser();
    const callback = await throughProvider(b, 'deny');
    assert.equal(new URL(callback).searchParams.get('error'), 'access_denied');
    await refused(b, callback);
  });

  it('refuses a callback without a code, and one with a code of no flow', async () => {
    const b = browser();
    await b.get(`${PUBLIC_URL}/auth/oidc/test/login`);
    await refused(b, `${callbackOf('test')}?state=x`);
    await refused(browser(), `${callbackOf('test')}?code=abc&state=def`);
  });

  it('disabled users get the generic 401; disable and logout-all end OpenID sessions and tokens', async () => {
    const who = account();
    const { b, me } = await signIn(who);
    const pair = (
      await request(t.url)
        .post('/auth/oidc/test/token')
        .send({ id_token: await providerIdToken(who) })
        .expect(200)
    ).body;
    await request(t.url).get('/auth/me').set('Authorization', `Bearer ${pair.access_token}`).expect(200);

    // logout-all from the OpenID session ends it and the token pair.
    const csrf = await csrfOf(b);
    assert.equal((await b.request('POST', `${PUBLIC_URL}/auth/logout-all`, { 'x-csrf-token': csrf })).status, 204);
    assert.equal((await b.get(`${PUBLIC_URL}/auth/me`)).status, 401);
    await sleep(1100);
    await request(t.url).get('/auth/me').set('Authorization', `Bearer ${pair.access_token}`).expect(401);
    await request(t.url).post('/auth/token/refresh').send({ refresh_token: pair.refresh_token }).expect(401);

    const again = await signIn(who);
    const admin = await login(t.url, ADMIN.email, ADMIN.password, false);
    await admin.agent.post(`/auth/admin/users/${me.user.id}/disable`).set('X-CSRF-Token', admin.csrfToken).expect(204);
    assert.equal((await again.b.get(`${PUBLIC_URL}/auth/me`)).status, 401);
    const b2 = browser();
    await refused(b2, await throughProvider(b2, who));
    await request(t.url)
      .post('/auth/oidc/test/token')
      .send({ id_token: await providerIdToken(who) })
      .expect(401);
  });

  describe('the mobile flow: POST /auth/oidc/:provider/token', () => {
    const INVALID = { statusCode: 401, error: 'invalid_grant', message: 'Invalid ID token' };
    const now = () => Math.floor(Date.now() / 1000);
    const claimsFor = (who: TestAccount, extra: Record<string, unknown> = {}) => ({
      iss: idp.issuer,
      aud: WEB.client_id,
      sub: who.sub,
      email: who.email,
      email_verified: true,
      iat: now(),
      exp: now() + 300,
      ...extra,
    });

    it('exchanges an ID token the provider issued for our token pair, the same user each time', async () => {
      const who = account('mobile');
      const nonce = base64url(randomBytes(16));
      const idToken = await providerIdToken(who, WEB, nonce);
      const pair = (await request(t.url).post('/auth/oidc/test/token').send({ id_token: idToken, nonce }).expect(200))
        .body;
      assert.equal(pair.token_type, 'Bearer');
      assert.ok(pair.refresh_token && pair.expires_in > 0);
      const me = (await request(t.url).get('/auth/me').set('Authorization', `Bearer ${pair.access_token}`).expect(200))
        .body;
      assert.equal(me.user.email, who.email);
      assert.equal(me.via, 'jwt');
      const second = (
        await request(t.url)
          .post('/auth/oidc/test/token')
          .send({ id_token: await providerIdToken(who) })
          .expect(200)
      ).body;
      const meAgain = (
        await request(t.url).get('/auth/me').set('Authorization', `Bearer ${second.access_token}`).expect(200)
      ).body;
      assert.equal(meAgain.user.id, me.user.id);
      // The browser flow finds the same user.
      assert.equal((await signIn(who)).me.user.id, me.user.id);
    });

    it('exchanges an ID token once: a replay is refused, with or without the nonce, and on another instance too', async () => {
      const who = account('replay');
      const nonce = base64url(randomBytes(16));
      const idToken = await providerIdToken(who, WEB, nonce);
      await request(t.url).post('/auth/oidc/test/token').send({ id_token: idToken, nonce }).expect(200);
      await request(t.url).post('/auth/oidc/test/token').send({ id_token: idToken, nonce }).expect(401, INVALID);
      await request(t.url).post('/auth/oidc/test/token').send({ id_token: idToken }).expect(401, INVALID);
      const unbound = idp.mint(claimsFor(who));
      await request(t.url).post('/auth/oidc/test/token').send({ id_token: unbound }).expect(200);
      if (productionMode) {
        // A second instance in a process of its own, sharing the database and Redis: it knows the token is spent.
        const second = await startAppProcess(t.env);
        try {
          for (let i = 0; i < 100 && (await request(second.url).get('/auth/oidc/test/login')).status !== 302; i++)
            await sleep(100);
          await request(second.url).post('/auth/oidc/test/token').send({ id_token: unbound }).expect(401, INVALID);
          const fresh = idp.mint(claimsFor(who, { jti: randomUUID() }));
          await request(second.url).post('/auth/oidc/test/token').send({ id_token: fresh }).expect(200);
          await request(t.url).post('/auth/oidc/test/token').send({ id_token: fresh }).expect(401, INVALID);
        } finally {
          await second.close();
        }
      }
    });

    it('refuses, with invalid_grant, a token for another audience, an expired one, another issuer’s, another key’s, a wrong nonce and garbage', async () => {
      const who = account('mobile');
      const foreign = await providerIdToken(who, STRANGER);
      await request(t.url).post('/auth/oidc/test/token').send({ id_token: foreign }).expect(401, INVALID);
      const cases = [
        idp.mint(claimsFor(who, { iat: now() - 7200, exp: now() - 3600 })),
        idp.mint(claimsFor(who, { iss: corp.issuer })),
        idp.mint(claimsFor(who, { aud: [WEB.client_id, STRANGER.client_id], azp: STRANGER.client_id })),
        idp.mint(claimsFor(who), 'other'),
        idp.mint(claimsFor(who, { nonce: 'the app’s nonce' })),
        idp.mint(claimsFor(who, { exp: undefined })),
        'not.a.token',
      ];
      for (const [index, idToken] of cases.entries()) {
        const answer = await request(t.url)
          .post('/auth/oidc/test/token')
          .send({ id_token: idToken, nonce: 'another nonce' });
        assert.equal(answer.status, 401, `case ${index}`);
        assert.deepEqual(answer.body, INVALID);
      }
      // Without a nonce named, the one minted with valid claims signs in: the refusals above were for their flaw.
      await request(t.url)
        .post('/auth/oidc/test/token')
        .send({ id_token: idp.mint(claimsFor(who)) })
        .expect(200);
      await request(t.url).post('/auth/oidc/test/token').send({}).expect(400);
      await request(t.url).post('/auth/oidc/nope/token').send({ id_token: 'x' }).expect(404);
    });
  });
});

describe(`OpenID providers that are down or slow (${storageMode})`, () => {
  it('boots with a provider down, answers 503 for its login until discovery succeeds', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const client = { client_id: 'late', client_secret: secret(), redirect_uris: [callbackOf('late')] };
    const t = await startApp({ PUBLIC_URL, OIDC_PROVIDERS: 'late', ...providerEnv('LATE', issuer, client) });
    let idp: TestOidcProvider | undefined;
    try {
      await request(t.url).get('/auth/oidc/late/login').expect(503);
      await request(t.url).post('/auth/oidc/late/token').send({ id_token: 'x.y.z' }).expect(503);
      await request(t.url).get('/health').expect(200);
      idp = await TestOidcProvider.start({ clients: [client], port });
      let status = 503;
      for (let i = 0; i < 80 && status !== 302; i++) {
        await sleep(100);
        status = (await request(t.url).get('/auth/oidc/late/login')).status;
      }
      assert.equal(status, 302);
    } finally {
      await t.close();
      await idp?.close();
    }
  });

  it('refuses a callback after the flow’s lifetime (OIDC_FLOW_TTL_SECONDS)', async () => {
    const client = { client_id: 'brief', client_secret: secret(), redirect_uris: [callbackOf('brief')] };
    const idp = await TestOidcProvider.start({ clients: [client], conformIdTokenClaims: false });
    const t = await startApp({
      PUBLIC_URL,
      OIDC_PROVIDERS: 'brief',
      OIDC_FLOW_TTL_SECONDS: '1',
      ...providerEnv('BRIEF', idp.issuer, client),
    });
    try {
      for (let i = 0; i < 50 && (await request(t.url).get('/auth/oidc/brief/login')).status !== 302; i++)
        await sleep(100);
      const b = new TestBrowser({ [PUBLIC_URL]: t.url });
      idp.nextLogin = account();
      const started = await b.get(`${PUBLIC_URL}/auth/oidc/brief/login`);
      const { location } = await b.follow(started.headers.get('location') as string, (next) =>
        next.startsWith(PUBLIC_URL),
      );
      await sleep(1500);
      const answer = await b.get(location as string);
      assert.equal(answer.status, 401);
      assert.deepEqual(await answer.json(), SIGN_IN_FAILED);
    } finally {
      await t.close();
      await idp.close();
    }
  });
});
