import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AccountsService } from '../src/auth/accounts/accounts.service';
import { User } from '../src/auth/users/user.entity';
import { login, LoggedIn, PASSWORD, sessionCookie, startApp, storageMode, TestApp } from './support/app';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, virtualAuthenticator } from './support/chromium';
import { SoftwareAuthenticator } from './support/software-authenticator';
import { totp } from './support/totp';

const ORIGIN = 'http://localhost:4711';

async function registrationOptions(signedIn: LoggedIn): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const response = await signedIn.agent
    .post('/auth/passkeys/register/options')
    .set('X-CSRF-Token', signedIn.csrfToken)
    .expect(200);
  return response.body;
}

function registerWith(signedIn: LoggedIn, response: unknown, name?: string) {
  return signedIn.agent
    .post('/auth/passkeys/register')
    .set('X-CSRF-Token', signedIn.csrfToken)
    .send({ response, name });
}

async function loginOptions(url: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return (await request(url).post('/auth/passkeys/login/options').send({}).expect(200)).body;
}

/** A user without a password (as an OpenID provider creates them): only their passkeys sign them in. */
async function dropPassword(app: TestApp, userId: string): Promise<void> {
  await app.app.get(DataSource).getRepository(User).update({ id: userId }, { passwordHash: null });
}

describe(`passkeys, server side, with a software authenticator (${storageMode})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startApp({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: ORIGIN });
  });
  after(() => app.close());

  /** A signed-in user with one passkey on a fresh authenticator. */
  async function userWithPasskey(name = 'Laptop') {
    const signedIn = await login(app.url);
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    const registered = await registerWith(
      signedIn,
      authenticator.create(await registrationOptions(signedIn)),
      name,
    ).expect(201);
    return { signedIn, authenticator, passkey: registered.body as { id: string; name: string; createdAt: string } };
  }

  it('offers registration options for the signed-in user only: a discoverable, user-verified credential of this relying party', async () => {
    await request(app.url).post('/auth/passkeys/register/options').expect(401);
    const signedIn = await login(app.url);
    await signedIn.agent.post('/auth/passkeys/register/options').expect(403);
    const options = await registrationOptions(signedIn);
    assert.deepEqual(options.rp, { name: 'nest-auth', id: 'localhost' });
    assert.equal(options.user.name, signedIn.user.email);
    assert.notEqual(options.user.id, signedIn.user.id, 'the user handle is opaque, not the user id');
    assert.equal(options.attestation, 'none');
    assert.equal(options.timeout, 300_000);
    assert.equal(options.authenticatorSelection?.residentKey, 'required');
    assert.equal(options.authenticatorSelection?.userVerification, 'required');
    assert.ok(Buffer.from(options.challenge, 'base64url').length >= 32);
    assert.deepEqual(options.excludeCredentials, []);
  });

  it('registers a passkey, lists it, and excludes it from the next registration', async () => {
    const { signedIn, authenticator, passkey } = await userWithPasskey('Laptop');
    assert.equal(passkey.name, 'Laptop');
    assert.match(passkey.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(Object.keys(passkey).sort(), ['createdAt', 'id', 'name']);
    const list = await signedIn.agent.get('/auth/passkeys').expect(200);
    assert.deepEqual(list.body, [{ id: passkey.id, name: 'Laptop', createdAt: passkey.createdAt, lastUsedAt: null }]);
    const next = await registrationOptions(signedIn);
    assert.deepEqual(
      next.excludeCredentials?.map((c) => c.id),
      [authenticator.credentials[0].id.toString('base64url')],
    );
    await request(app.url).get('/auth/passkeys').expect(401);
  });

  it('signs in without a password, to a session and to a token pair, through the same issue calls as password login', async () => {
    const { signedIn, authenticator, passkey } = await userWithPasskey();
    const options = await loginOptions(app.url);
    assert.equal(options.userVerification, 'required');
    assert.equal(options.rpId, 'localhost');
    assert.deepEqual(options.allowCredentials ?? [], [], 'discoverable: no credential list, no user named');
    const session = await request(app.url)
      .post('/auth/passkeys/login')
      .send({ response: authenticator.get(options) })
      .expect(200);
    assert.equal(session.body.user.id, signedIn.user.id);
    assert.equal(typeof session.body.csrfToken, 'string');
    const cookie = sessionCookie(session.headers['set-cookie']);
    const me = await request(app.url).get('/auth/me').set('Cookie', cookie).expect(200);
    assert.equal(me.body.via, 'session');
    assert.equal(me.body.user.id, signedIn.user.id);

    const pair = await request(app.url)
      .post('/auth/passkeys/token')
      .send({ response: authenticator.get(await loginOptions(app.url)) })
      .expect(200);
    assert.equal(pair.headers['cache-control'], 'no-store');
    assert.equal(pair.body.token_type, 'Bearer');
    const viaJwt = await request(app.url)
      .get('/auth/me')
      .set('Authorization', `Bearer ${pair.body.access_token}`)
      .expect(200);
    assert.equal(viaJwt.body.user.id, signedIn.user.id);
    await request(app.url).post('/auth/token/refresh').send({ refresh_token: pair.body.refresh_token }).expect(200);

    const [listed] = (await signedIn.agent.get('/auth/passkeys').expect(200)).body;
    assert.equal(listed.id, passkey.id);
    assert.ok(listed.lastUsedAt, 'lastUsedAt is set by a sign-in');

    // Sessions and token families from a passkey end with logout-all like any other.
    await signedIn.agent.post('/auth/logout-all').set('X-CSRF-Token', signedIn.csrfToken).expect(204);
    await request(app.url).get('/auth/me').set('Cookie', cookie).expect(401);
    await request(app.url).post('/auth/token/refresh').send({ refresh_token: pair.body.refresh_token }).expect(401);
  });

  it('refuses a registration from another origin, for another RP id, without user verification, or on a spent or foreign challenge', async () => {
    const signedIn = await login(app.url);
    const other = await login(app.url);
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    const refusals = [
      authenticator.create(await registrationOptions(signedIn), { origin: 'http://localhost:4712' }),
      authenticator.create(await registrationOptions(signedIn), { origin: 'https://evil.example' }),
      authenticator.create(await registrationOptions(signedIn), { rpId: 'example.com' }),
      authenticator.create(await registrationOptions(signedIn), { userVerified: false }),
      // A challenge issued to another user.
      authenticator.create(await registrationOptions(other)),
    ];
    for (const response of refusals) {
      const refused = await registerWith(signedIn, response).expect(400);
      assert.equal(refused.body.message, 'Passkey not accepted');
    }
    const good = authenticator.create(await registrationOptions(signedIn));
    await registerWith(signedIn, good).expect(201);
    await registerWith(signedIn, good).expect(400);
    assert.equal((await signedIn.agent.get('/auth/passkeys').expect(200)).body.length, 1);
  });

  it('refuses an assertion from another origin, without user verification, replayed, or with a counter that went back', async () => {
    const { authenticator } = await userWithPasskey();
    const refuse = async (response: unknown) => {
      const refused = await request(app.url).post('/auth/passkeys/login').send({ response }).expect(401);
      assert.equal(refused.body.message, 'Sign-in failed');
      assert.equal(refused.headers['set-cookie'], undefined);
    };
    await refuse(authenticator.get(await loginOptions(app.url), { origin: 'http://localhost:4712' }));
    await refuse(authenticator.get(await loginOptions(app.url), { origin: 'https://evil.example' }));
    await refuse(authenticator.get(await loginOptions(app.url), { rpId: 'example.com' }));
    await refuse(authenticator.get(await loginOptions(app.url), { userVerified: false }));

    // The challenge is spent by a failed answer too: answering it again from the right origin fails.
    const options = await loginOptions(app.url);
    await refuse(authenticator.get(options, { origin: 'https://evil.example' }));
    await refuse(authenticator.get(options));

    const assertion = authenticator.get(await loginOptions(app.url));
    await request(app.url).post('/auth/passkeys/login').send({ response: assertion }).expect(200);
    await refuse(assertion);
    await request(app.url).post('/auth/passkeys/token').send({ response: assertion }).expect(401);

    // A clone of the authenticator, whose counter is behind the one stored.
    const credential = authenticator.credentials[0];
    const ahead = credential.signCount;
    credential.signCount = 0;
    await refuse(authenticator.get(await loginOptions(app.url)));
    credential.signCount = ahead;
    await request(app.url)
      .post('/auth/passkeys/login')
      .send({ response: authenticator.get(await loginOptions(app.url)) })
      .expect(200);
  });

  it('refuses an unknown credential, a wrong or missing user handle, a registration challenge, and malformed answers alike', async () => {
    const { authenticator } = await userWithPasskey();
    const refuse = (response: unknown) => request(app.url).post('/auth/passkeys/login').send({ response }).expect(401);
    await refuse(
      new SoftwareAuthenticator(ORIGIN).get(await loginOptions(app.url), {
        credential: { ...authenticator.credentials[0], id: Buffer.alloc(32, 7) },
      }),
    );
    await refuse(authenticator.get(await loginOptions(app.url), { omitUserHandle: true }));
    const someoneElse = { ...authenticator.credentials[0], userHandle: Buffer.alloc(32, 1).toString('base64url') };
    await refuse(authenticator.get(await loginOptions(app.url), { credential: someoneElse }));
    // Another ceremony's challenge: registration options answered as a sign-in.
    const signedIn = await login(app.url);
    const registration = await registrationOptions(signedIn);
    await refuse(authenticator.get({ challenge: registration.challenge, rpId: 'localhost' }));

    const valid = authenticator.get(await loginOptions(app.url));
    const malformed: unknown[] = [
      {},
      'text',
      { ...valid, rawId: 'other' },
      { ...valid, type: 'password' },
      { ...valid, id: 'not base64url!' },
      { ...valid, response: { ...valid.response, clientDataJSON: Buffer.from('not json').toString('base64url') } },
      { ...valid, response: { ...valid.response, signature: 'AAAA' } },
      { ...valid, response: { ...valid.response, authenticatorData: 'AA' } },
      { ...valid, response: { ...valid.response, userHandle: 12 } },
      { ...valid, clientExtensionResults: [] },
    ];
    for (const response of malformed) {
      const answer = await request(app.url).post('/auth/passkeys/login').send({ response });
      assert.ok([400, 401].includes(answer.status), `${JSON.stringify(response).slice(0, 80)} -> ${answer.status}`);
    }
    await request(app.url).post('/auth/passkeys/login').send({ response: 'text' }).expect(400);
    await request(app.url).post('/auth/passkeys/login').send({}).expect(400);
    await request(app.url).post('/auth/passkeys/login').set('Content-Type', 'text/plain').send('x').expect(415);
  });

  it('does not sign in a disabled user', async () => {
    const { signedIn, authenticator } = await userWithPasskey();
    await app.app.get(AccountsService).disable(signedIn.user.id);
    await request(app.url)
      .post('/auth/passkeys/login')
      .send({ response: authenticator.get(await loginOptions(app.url)) })
      .expect(401);
    await app.app.get(AccountsService).enable(signedIn.user.id);
    await request(app.url)
      .post('/auth/passkeys/login')
      .send({ response: authenticator.get(await loginOptions(app.url)) })
      .expect(200);
  });

  /** Turns TOTP on for a signed-in user (MFA on), with the confirming code computed here. */
  async function turnTotpOn(signedIn: LoggedIn): Promise<void> {
    const { secret } = (
      await signedIn.agent
        .post('/auth/mfa/totp')
        .set('X-CSRF-Token', signedIn.csrfToken)
        .send({ currentPassword: PASSWORD })
        .expect(201)
    ).body;
    await signedIn.agent
      .post('/auth/mfa/totp/confirm')
      .set('X-CSRF-Token', signedIn.csrfToken)
      .send({ code: totp(secret) })
      .expect(200);
  }

  async function mfaTokenOf(email: string, path = '/auth/login'): Promise<{ mfaToken: string; methods: string[] }> {
    const response = await request(app.url).post(path).send({ email, password: PASSWORD }).expect(200);
    assert.equal(response.body.mfaRequired, true);
    assert.equal(response.headers['set-cookie'], undefined, 'no session before the second factor');
    return response.body;
  }

  it('a passkey alone does not put a second step after the password; beside TOTP it is offered as one', async () => {
    const { signedIn } = await userWithPasskey();
    const single = await request(app.url)
      .post('/auth/login')
      .send({ email: signedIn.user.email, password: PASSWORD })
      .expect(200);
    assert.equal(single.body.mfaRequired, undefined);
    await turnTotpOn(signedIn);
    const { methods } = await mfaTokenOf(signedIn.user.email);
    assert.deepEqual([...methods].sort(), ['passkey', 'recovery', 'totp']);
    const status = await signedIn.agent.get('/auth/mfa').expect(200);
    assert.equal(status.body.passkeys, 1);
  });

  it('finishes a password login with the user’s own passkey as the second factor, to a session or a token pair, once per mfaToken', async () => {
    const { signedIn, authenticator } = await userWithPasskey();
    await turnTotpOn(signedIn);
    const { mfaToken } = await mfaTokenOf(signedIn.user.email);
    const options = (await request(app.url).post('/auth/passkeys/login/options').send({ mfaToken }).expect(200)).body;
    assert.deepEqual(
      options.allowCredentials.map((c: { id: string }) => c.id),
      [authenticator.credentials[0].id.toString('base64url')],
      'the waiting user’s passkeys only',
    );
    // The password was the knowledge factor: a passkey that only proves presence completes the login.
    const response = authenticator.get(options, { userVerified: false });
    const session = await request(app.url).post('/auth/passkeys/login').send({ response, mfaToken }).expect(200);
    assert.equal(session.body.user.id, signedIn.user.id);
    const cookie = sessionCookie(session.headers['set-cookie']);
    await request(app.url).get('/auth/me').set('Cookie', cookie).expect(200);
    // The token is spent: neither a new assertion nor the same one finishes it again.
    await request(app.url).post('/auth/passkeys/login/options').send({ mfaToken }).expect(400);
    await request(app.url).post('/auth/passkeys/login').send({ response, mfaToken }).expect(401);

    const forTokens = await mfaTokenOf(signedIn.user.email, '/auth/token');
    const tokenOptions = (
      await request(app.url).post('/auth/passkeys/login/options').send({ mfaToken: forTokens.mfaToken }).expect(200)
    ).body;
    const pair = await request(app.url)
      .post('/auth/passkeys/token')
      .send({ response: authenticator.get(tokenOptions), mfaToken: forTokens.mfaToken })
      .expect(200);
    await request(app.url).get('/auth/me').set('Authorization', `Bearer ${pair.body.access_token}`).expect(200);
  });

  it('refuses as a second factor another user’s passkey, a passwordless challenge and a dead mfaToken, each counting against the token', async () => {
    const { signedIn, authenticator } = await userWithPasskey();
    const stranger = await userWithPasskey();
    await turnTotpOn(signedIn);
    const { mfaToken } = await mfaTokenOf(signedIn.user.email);
    const options = async () =>
      (await request(app.url).post('/auth/passkeys/login/options').send({ mfaToken }).expect(200)).body;
    const refused = async (response: unknown) => {
      const answer = await request(app.url).post('/auth/passkeys/login').send({ response, mfaToken }).expect(401);
      assert.deepEqual(answer.body, { statusCode: 401, message: 'Sign-in failed', error: 'Unauthorized' });
      assert.equal(answer.headers['set-cookie'], undefined);
    };
    await refused(stranger.authenticator.get(await options()));
    // A challenge issued for a passwordless sign-in is no challenge of this login.
    await refused(authenticator.get(await loginOptions(app.url)));
    await refused(authenticator.get(await options(), { rpId: 'example.com' }));
    await refused(stranger.authenticator.get(await options()));
    await refused(stranger.authenticator.get(await options()));
    // Five wrong answers: the token is dead, even for the right passkey.
    await request(app.url).post('/auth/passkeys/login/options').send({ mfaToken }).expect(400);
    await request(app.url)
      .post('/auth/passkeys/login')
      .send({ response: authenticator.get(await loginOptions(app.url)), mfaToken })
      .expect(401);
    await request(app.url)
      .post('/auth/passkeys/login/options')
      .send({ mfaToken: 'x'.repeat(43) })
      .expect(400);
    await request(app.url).post('/auth/passkeys/login/options').send({ unknown: 1 }).expect(400);
  });

  it('removes a passkey: the last one takes the current password, and the last way to sign in stays (409)', async () => {
    const { signedIn, authenticator, passkey } = await userWithPasskey();
    const remove = (id: string, body?: object) =>
      signedIn.agent
        .delete(`/auth/passkeys/${id}`)
        .set('X-CSRF-Token', signedIn.csrfToken)
        .send(body ?? {});
    await remove('not-a-uuid').expect(404);
    await remove('00000000-0000-4000-8000-000000000000').expect(404);
    const stranger = await login(app.url);
    await stranger.agent.delete(`/auth/passkeys/${passkey.id}`).set('X-CSRF-Token', stranger.csrfToken).expect(404);
    await signedIn.agent.delete(`/auth/passkeys/${passkey.id}`).expect(403);

    const missing = await remove(passkey.id).expect(400);
    assert.match(missing.body.message, /currentPassword/);
    await remove(passkey.id, { currentPassword: 'wrong password, surely' }).expect(400);
    await remove(passkey.id, { currentPassword: PASSWORD }).expect(204);
    assert.deepEqual((await signedIn.agent.get('/auth/passkeys').expect(200)).body, []);
    await request(app.url)
      .post('/auth/passkeys/login')
      .send({ response: authenticator.get(await loginOptions(app.url)) })
      .expect(401);

    // Without a password, the passkeys are the only ways in: one of two goes freely, the last stays.
    const other = await userWithPasskey('first');
    const second = await registerWith(
      other.signedIn,
      new SoftwareAuthenticator(ORIGIN).create(await registrationOptions(other.signedIn)),
      'second',
    ).expect(201);
    await dropPassword(app, other.signedIn.user.id);
    const removeOther = (id: string) =>
      other.signedIn.agent.delete(`/auth/passkeys/${id}`).set('X-CSRF-Token', other.signedIn.csrfToken).send({});
    await removeOther(second.body.id).expect(204);
    const conflict = await removeOther(other.passkey.id).expect(409);
    assert.equal(conflict.body.message, 'This is your last way to sign in');
    assert.equal((await other.signedIn.agent.get('/auth/passkeys').expect(200)).body.length, 1);
  });
});

describe(`passkeys: configuration and limits (${storageMode})`, () => {
  it('are off (404) when the relying party would be an IP address, as under the development default PUBLIC_URL', async () => {
    const app = await startApp({});
    try {
      await request(app.url).post('/auth/passkeys/login/options').send({}).expect(404);
      const signedIn = await login(app.url);
      await signedIn.agent.get('/auth/passkeys').expect(404);
    } finally {
      await app.close();
    }
  });

  it('throttles the public routes per client IP like login', async () => {
    const app = await startApp({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: ORIGIN, THROTTLE_AUTH_LIMIT: '2' });
    try {
      for (const [path, body, status] of [
        ['/auth/passkeys/login/options', {}, 200],
        ['/auth/passkeys/login', { response: {} }, 401],
        ['/auth/passkeys/token', { response: {} }, 401],
      ] as const) {
        await request(app.url).post(path).send(body).expect(status);
        await request(app.url).post(path).send(body).expect(status);
        const limited = await request(app.url).post(path).send(body).expect(429);
        assert.ok(Number(limited.headers['retry-after']) > 0);
      }
    } finally {
      await app.close();
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The test page: it runs the ceremonies with @simplewebauthn/browser and calls the API with fetch, as a front end would. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>passkeys</title>
<script src="/__test__/simplewebauthn-browser.js"></script>
<script>
let csrfToken = null;
async function call(method, path, body) {
  const headers = { 'content-type': 'application/json' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (json && typeof json.csrfToken === 'string') csrfToken = json.csrfToken;
  return { status: response.status, body: json };
}
window.passkeyTest = {
  call,
  signInWithPassword: (email, password) => call('POST', '/auth/login', { email, password }),
  async register(name) {
    const options = await call('POST', '/auth/passkeys/register/options');
    if (options.status !== 200) return options;
    const response = await SimpleWebAuthnBrowser.startRegistration({ optionsJSON: options.body });
    return call('POST', '/auth/passkeys/register', { response, name });
  },
  async assertion(changes) {
    const options = await call('POST', '/auth/passkeys/login/options', {});
    return SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: { ...options.body, ...changes } });
  },
  ceremony: (optionsJSON) => SimpleWebAuthnBrowser.startAuthentication({ optionsJSON }),
  signIn: (response, path) => call('POST', path || '/auth/passkeys/login', { response }),
};
</script>`;

describe(
  `passkeys in Chromium with a virtual authenticator (${storageMode})`,
  { skip: chromiumMissing('the passkey tests in a browser') },
  () => {
    // Loaded here so that a machine without the browser never needs playwright-core either.
    type Playwright = typeof import('playwright-core');
    let app: TestApp;
    let origin: string;
    let userDataDir: string;
    let context: Awaited<ReturnType<Playwright['chromium']['launchPersistentContext']>>;
    const bundle = readFileSync(
      join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'),
      'utf8',
    );

    before(async () => {
      const port = await freePort();
      origin = `http://localhost:${port}`;
      // WEBAUTHN_* from their defaults: the host and origin of PUBLIC_URL.
      app = await startApp({ PORT: String(port), PUBLIC_URL: origin });
      userDataDir = mkdtempSync(join(tmpdir(), 'nest-auth-chromium-'));
      const { chromium } = (await import('playwright-core')) as Playwright;
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
      });
      // The page and the browser library are served by the test, on whichever origin the page is opened at.
      await context.route('**/__test__/**', (route) => {
        const script = route.request().url().endsWith('/simplewebauthn-browser.js');
        return route.fulfill({
          status: 200,
          contentType: script ? 'text/javascript' : 'text/html',
          body: script ? bundle : PAGE,
        });
      });
    });
    after(async () => {
      await context?.close();
      await app?.close();
      if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    });

    /** A fresh page at `at` (default the app's origin) with its own virtual platform authenticator. */
    async function pageWithAuthenticator(at = origin, isUserVerified = true) {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      const { authenticatorId } = await cdp.send(
        'WebAuthn.addVirtualAuthenticator',
        virtualAuthenticator({ isUserVerified }),
      );
      await page.goto(`${at}/__test__/page.html`);
      await page.waitForFunction(() => 'passkeyTest' in globalThis);
      return { page, cdp, authenticatorId };
    }

    type Answer = {
      status: number;
      body: { message?: string; user?: { id: string }; access_token?: string; id?: string; via?: string };
    };
    /** What the test page puts on its window. */
    interface TestPage {
      passkeyTest: {
        call(method: string, path: string, body?: unknown): Promise<Answer>;
        signInWithPassword(email: string, password: string): Promise<Answer>;
        register(name: string): Promise<Answer>;
        assertion(changes: object): Promise<unknown>;
        ceremony(options: unknown): Promise<unknown>;
        signIn(response: unknown, path?: string): Promise<Answer>;
      };
    }

    const api = (page: import('playwright-core').Page) => ({
      call: (method: string, path: string, body?: unknown): Promise<Answer> =>
        page.evaluate(
          ([m, p, b]) => (globalThis as unknown as TestPage).passkeyTest.call(m as string, p as string, b),
          [method, path, body],
        ),
      register: (name: string): Promise<Answer> =>
        page.evaluate((n) => (globalThis as unknown as TestPage).passkeyTest.register(n), name),
      assertion: (changes: object = {}): Promise<unknown> =>
        page.evaluate((c) => (globalThis as unknown as TestPage).passkeyTest.assertion(c), changes),
      ceremony: (options: unknown): Promise<unknown> =>
        page.evaluate((o) => (globalThis as unknown as TestPage).passkeyTest.ceremony(o), options),
      signIn: (response: unknown, path?: string): Promise<Answer> =>
        page.evaluate(
          ([r, p]) => (globalThis as unknown as TestPage).passkeyTest.signIn(r, p as string | undefined),
          [response, path],
        ),
    });

    async function signedInPageWithPasskey() {
      const email = `browser-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
      await request(app.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201);
      const browser = await pageWithAuthenticator();
      const signedIn: Answer = await browser.page.evaluate(
        ([e, p]) => (globalThis as unknown as TestPage).passkeyTest.signInWithPassword(e, p),
        [email, PASSWORD],
      );
      assert.equal(signedIn.status, 200);
      const registered = await api(browser.page).register('Chromium');
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      return { ...browser, email, userId: signedIn.body.user?.id as string, passkeyId: registered.body.id as string };
    }

    it('registers a passkey, signs in with it to a session and to a token pair, and lists it', async () => {
      const { page, userId, passkeyId } = await signedInPageWithPasskey();
      // Signed out (a new page in the same browser has the cookie: end the session first), then back in with the passkey alone.
      const browser = api(page);
      assert.equal((await browser.call('POST', '/auth/logout')).status, 204);
      assert.equal((await browser.call('GET', '/auth/me')).status, 401);
      const session = await browser.signIn(await browser.assertion());
      assert.equal(session.status, 200, JSON.stringify(session.body));
      assert.equal(session.body.user?.id, userId);
      const me = await browser.call('GET', '/auth/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.via, 'session');

      const pair = await browser.signIn(await browser.assertion(), '/auth/passkeys/token');
      assert.equal(pair.status, 200, JSON.stringify(pair.body));
      await request(app.url).get('/auth/me').set('Authorization', `Bearer ${pair.body.access_token}`).expect(200);

      const list = await browser.call('GET', '/auth/passkeys');
      assert.equal(list.status, 200);
      const [listed] = list.body as unknown as Array<{ id: string; name: string; lastUsedAt: string | null }>;
      assert.equal(listed.id, passkeyId);
      assert.equal(listed.name, 'Chromium');
      assert.ok(listed.lastUsedAt);
      await page.close();
    });

    it('refuses an assertion made on another origin, a replayed one, and one from a clone whose counter went back', async () => {
      const { page, cdp, authenticatorId } = await signedInPageWithPasskey();
      const browser = api(page);
      // Another origin on the same RP id (a different port): the browser signs, the server refuses the origin.
      const phishing = await context.newPage();
      const phishingCdp = await context.newCDPSession(phishing);
      await phishingCdp.send('WebAuthn.enable');
      const { authenticatorId: phishingAuthenticator } = await phishingCdp.send(
        'WebAuthn.addVirtualAuthenticator',
        virtualAuthenticator(),
      );
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1);
      await phishingCdp.send('WebAuthn.addCredential', {
        authenticatorId: phishingAuthenticator,
        credential: credentials[0],
      });
      await phishing.goto(`http://localhost:${await freePort()}/__test__/page.html`);
      await phishing.waitForFunction(() => 'passkeyTest' in globalThis);
      const phished = await api(phishing).ceremony(await loginOptions(app.url));
      const refused = await browser.signIn(phished);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.message, 'Sign-in failed');
      await phishing.close();

      const assertion = await browser.assertion();
      assert.equal((await browser.signIn(assertion)).status, 200);
      assert.equal((await browser.signIn(assertion)).status, 401, 'a replayed assertion');
      assert.equal((await browser.signIn(assertion, '/auth/passkeys/token')).status, 401, 'a replayed assertion');

      // A clone of the credential with its counter reset: its next signature counts lower than the stored counter.
      const [current] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
      assert.ok(current.signCount >= 2, `the virtual authenticator counts signatures (${current.signCount})`);
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: current.credentialId });
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...current, signCount: 0 } });
      assert.equal((await browser.signIn(await browser.assertion())).status, 401, 'a counter that went back');
      await page.close();
    });

    it('refuses a passwordless sign-in without user verification, even when the page asks for none', async () => {
      const { page, cdp, authenticatorId } = await signedInPageWithPasskey();
      const browser = api(page);
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
      // A page (or a script on it) that lowers the server's userVerification: the authenticator then signs without verifying.
      const unverified = await browser.assertion({ userVerification: 'discouraged' });
      const refused = await browser.signIn(unverified);
      assert.equal(refused.status, 401);
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
      assert.equal((await browser.signIn(await browser.assertion())).status, 200);
      await page.close();
    });

    it('deletes a passkey from the page, and keeps the last way to sign in (409)', async () => {
      const { page, cdp, userId, passkeyId } = await signedInPageWithPasskey();
      const browser = api(page);
      // A second passkey on a second authenticator (the first one holds a credential for this user already).
      await cdp.send('WebAuthn.addVirtualAuthenticator', virtualAuthenticator({ transport: 'usb' }));
      await dropPassword(app, userId);
      const second = await browser.register('Security key');
      assert.equal(second.status, 201, JSON.stringify(second.body));
      assert.equal((await browser.call('DELETE', `/auth/passkeys/${second.body.id}`, {})).status, 204);
      const last = await browser.call('DELETE', `/auth/passkeys/${passkeyId}`, {});
      assert.equal(last.status, 409);
      const list = await browser.call('GET', '/auth/passkeys');
      assert.deepEqual(
        (list.body as unknown as Array<{ id: string }>).map((p) => p.id),
        [passkeyId],
      );
      await page.close();
    });
  },
);
