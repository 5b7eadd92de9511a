import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { TestAccount, TestBrowser, TestOidcProvider } from './support/oidc-provider';

const PUBLIC_URL = 'http://app.test';
const MAX_AGE = 3;
const secret = () => randomBytes(24).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const untilStale = () => sleep((MAX_AGE + 2) * 1000);
const WEB = {
  client_id: 'nest-auth-web',
  client_secret: secret(),
  redirect_uris: [`${PUBLIC_URL}/auth/oidc/test/callback`],
};

const account = (): TestAccount => ({
  sub: randomUUID(),
  email: uniqueEmail('oidc-reauth'),
  email_verified: true,
  name: 'Ada',
});

describe(`re-authentication at an OpenID provider (${storageMode})`, () => {
  let idp: TestOidcProvider;
  let t: TestApp;

  before(async () => {
    idp = await TestOidcProvider.start({ clients: [WEB], conformIdTokenClaims: false });
    t = await startApp({
      PUBLIC_URL,
      OIDC_PROVIDERS: 'test',
      OIDC_TEST_ISSUER: idp.issuer,
      OIDC_TEST_CLIENT_ID: WEB.client_id,
      OIDC_TEST_CLIENT_SECRET: WEB.client_secret,
      REAUTH_MAX_AGE_SECONDS: String(MAX_AGE),
    });
    for (let i = 0; i < 100; i++) {
      if ((await request(t.url).get('/auth/oidc/test/login')).status === 302) break;
      await sleep(100);
    }
  });
  after(async () => {
    await t?.close();
    await idp?.close();
  });

  /** Starts `path` in `b`, signs `who` in at the provider, and answers the provider's redirect and where the app then sends the browser. */
  async function through(b: TestBrowser, who: TestAccount, path: string) {
    idp.nextLogin = who;
    const started = await b.get(`${PUBLIC_URL}${path}`);
    assert.equal(started.status, 302);
    const authorization = new URL(started.headers.get('location') as string);
    const { location: callback } = await b.follow(authorization.href, (next) => next.startsWith(PUBLIC_URL));
    assert.ok(callback);
    return { authorization, answer: await b.get(callback) };
  }

  async function createKey(b: TestBrowser) {
    const { csrfToken } = (await (await b.get(`${PUBLIC_URL}/auth/csrf`)).json()) as { csrfToken: string };
    return b.request(
      'POST',
      `${PUBLIC_URL}/auth/api-keys`,
      { 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      '{"name":"k"}',
    );
  }

  async function expectStale(b: TestBrowser) {
    const refused = await createKey(b);
    assert.equal(refused.status, 401);
    assert.deepEqual(await refused.json(), {
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Reauthentication required',
      maxAge: MAX_AGE,
      methods: ['oidc'],
    });
  }

  it('asks the provider to authenticate again (prompt=login, max_age=0), and makes the session fresh for the same identity only', async () => {
    const who = account();
    const b = new TestBrowser({ [PUBLIC_URL]: t.url });
    const signedIn = await through(b, who, '/auth/oidc/test/login');
    assert.equal(signedIn.answer.status, 302);
    const me = (await (await b.get(`${PUBLIC_URL}/auth/me`)).json()) as { user: { id: string } };
    assert.equal((await createKey(b)).status, 201, 'an OpenID sign-in is a fresh authentication');

    await untilStale();
    await expectStale(b);
    const cookieBefore = b.cookiesFor(PUBLIC_URL);

    // Another identity at the same provider proves nothing about this user: 401, and nothing changes. (In a
    // browser of its own at the provider, which would otherwise offer to end the first account's session there.)
    // The other identity signs in a user of its own.
    const other = account();
    assert.equal(
      (await through(new TestBrowser({ [PUBLIC_URL]: t.url }), other, '/auth/oidc/test/login')).answer.status,
      302,
    );
    const elsewhere = new TestBrowser({ [PUBLIC_URL]: t.url });
    for (const pair of cookieBefore.split('; ')) elsewhere.setCookie(PUBLIC_URL, pair);
    const stranger = await through(elsewhere, other, '/auth/oidc/test/login?reauth=1&returnTo=%2Faccount');
    assert.equal(stranger.authorization.searchParams.get('prompt'), 'login');
    assert.equal(stranger.authorization.searchParams.get('max_age'), '0');
    assert.equal(stranger.answer.status, 401);
    assert.equal(
      ((await (await b.get(`${PUBLIC_URL}/auth/me`)).json()) as { user: { id: string } }).user.id,
      me.user.id,
    );
    await expectStale(b);

    // An ID token whose auth_time is older than the flow is no new proof.
    idp.tamperNextIdToken = (idToken) =>
      idp.resign(idToken, (claims) => ({ ...claims, auth_time: Math.floor(Date.now() / 1000) - 3600 }));
    const old = await through(b, who, '/auth/oidc/test/login?reauth=1');
    assert.equal(old.answer.status, 401);
    await expectStale(b);

    const again = await through(b, who, '/auth/oidc/test/login?reauth=1&returnTo=%2Faccount%3Freauthenticated%3D1');
    assert.equal(again.answer.status, 302);
    assert.equal(again.answer.headers.get('location'), '/account?reauthenticated=1');
    assert.equal(b.cookiesFor(PUBLIC_URL), cookieBefore, 'the same session, not a new sign-in');
    assert.equal((await createKey(b)).status, 201);
  });
});
