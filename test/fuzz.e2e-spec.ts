import fc from 'fast-check';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { login, LoggedIn, PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { TestOidcProvider } from './support/oidc-provider';

type Method = 'get' | 'post' | 'delete' | 'patch';
/** Every route of the module; `open` ones may succeed for some inputs (registration, RFC 7009 revocation). */
const ROUTES: Array<{ method: Method; path: string; open?: boolean }> = [
  { method: 'post', path: '/auth/register', open: true },
  { method: 'post', path: '/auth/login' },
  { method: 'post', path: '/auth/token' },
  { method: 'post', path: '/auth/token/refresh' },
  { method: 'post', path: '/auth/token/revoke', open: true },
  { method: 'post', path: '/auth/logout' },
  { method: 'get', path: '/auth/csrf' },
  { method: 'get', path: '/auth/me' },
  { method: 'get', path: '/auth/sessions' },
  { method: 'delete', path: '/auth/sessions' },
  { method: 'delete', path: '/auth/sessions/:id' },
  { method: 'post', path: '/auth/logout-all' },
  { method: 'post', path: '/auth/password' },
  { method: 'post', path: '/auth/api-keys' },
  { method: 'get', path: '/auth/api-keys' },
  { method: 'delete', path: '/auth/api-keys/:id' },
  { method: 'post', path: '/auth/api-keys/:id/rotate' },
  { method: 'post', path: '/auth/admin/users/:id/disable' },
  { method: 'post', path: '/auth/admin/users/:id/enable' },
  { method: 'post', path: '/auth/admin/users/:id/logout-all' },
  { method: 'get', path: '/auth/admin/users' },
  { method: 'get', path: '/auth/admin/audit' },
  { method: 'post', path: '/auth/admin/webhooks' },
  { method: 'get', path: '/auth/admin/webhooks' },
  { method: 'get', path: '/auth/admin/webhooks/:id' },
  { method: 'patch', path: '/auth/admin/webhooks/:id' },
  { method: 'delete', path: '/auth/admin/webhooks/:id' },
  { method: 'post', path: '/auth/admin/webhooks/:id/rotate-secret' },
  { method: 'get', path: '/auth/admin/webhooks/:id/deliveries' },
  { method: 'post', path: '/auth/admin/webhooks/:id/deliveries/:id/redeliver' },
  { method: 'get', path: '/auth/admin/users/:id' },
  { method: 'delete', path: '/auth/admin/users/:id' },
  { method: 'delete', path: '/auth/me' },
  { method: 'get', path: '/auth/me/export' },
  { method: 'patch', path: '/auth/admin/users/:id' },
  { method: 'delete', path: '/auth/admin/users/:id/sessions/:id' },
  { method: 'delete', path: '/auth/admin/users/:id/token-families/:id' },
  { method: 'get', path: '/auth/token-families' },
  { method: 'post', path: '/auth/admin/users/:id/impersonate' },
  { method: 'post', path: '/auth/impersonation/end' },
  { method: 'delete', path: '/auth/token-families/:id' },
  { method: 'post', path: '/auth/passkeys/register/options' },
  { method: 'post', path: '/auth/passkeys/register' },
  { method: 'post', path: '/auth/passkeys/login/options', open: true },
  { method: 'post', path: '/auth/passkeys/login' },
  { method: 'post', path: '/auth/passkeys/token' },
  { method: 'get', path: '/auth/passkeys' },
  { method: 'delete', path: '/auth/passkeys/:id' },
  { method: 'get', path: '/examples/any' },
  { method: 'get', path: '/examples/reports' },
  { method: 'post', path: '/auth/orgs' },
  { method: 'get', path: '/auth/orgs' },
  { method: 'get', path: '/auth/orgs/:id' },
  { method: 'patch', path: '/auth/orgs/:id' },
  { method: 'delete', path: '/auth/orgs/:id' },
  { method: 'get', path: '/auth/orgs/:id/members' },
  { method: 'post', path: '/auth/orgs/:id/invitations' },
  { method: 'post', path: '/auth/invitations/accept' },
  { method: 'post', path: '/auth/orgs/:id/roles' },
  { method: 'post', path: '/auth/orgs/:id/api-keys' },
  { method: 'get', path: '/examples/orgs/:id/invoices' },
  { method: 'get', path: '/account/orgs/:id', open: true },
];

/** The organization routes, as their owner calls them: `:orgId` is a real organization, `:sub` the fuzzed part. */
const ORG_ROUTES: Array<{ method: Method; path: string }> = [
  { method: 'get', path: '/auth/orgs/:orgId' },
  { method: 'patch', path: '/auth/orgs/:orgId' },
  { method: 'get', path: '/auth/orgs/:orgId/members' },
  { method: 'patch', path: '/auth/orgs/:orgId/members/:sub' },
  { method: 'delete', path: '/auth/orgs/:orgId/members/:sub' },
  { method: 'post', path: '/auth/orgs/:orgId/invitations' },
  { method: 'get', path: '/auth/orgs/:orgId/invitations' },
  { method: 'delete', path: '/auth/orgs/:orgId/invitations/:sub' },
  { method: 'get', path: '/auth/orgs/:orgId/roles' },
  { method: 'post', path: '/auth/orgs/:orgId/roles' },
  { method: 'patch', path: '/auth/orgs/:orgId/roles/:sub' },
  { method: 'delete', path: '/auth/orgs/:orgId/roles/:sub' },
  { method: 'post', path: '/auth/orgs/:orgId/api-keys' },
  { method: 'get', path: '/auth/orgs/:orgId/api-keys' },
  { method: 'delete', path: '/auth/orgs/:orgId/api-keys/:sub' },
  { method: 'get', path: '/auth/orgs/:orgId/audit' },
  { method: 'post', path: '/auth/invitations/accept' },
  { method: 'post', path: '/examples/orgs/:orgId/invoices' },
];

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const key = fc.oneof(
  fc.constantFrom(
    'email',
    'password',
    'name',
    'refresh_token',
    'scopes',
    'currentPassword',
    'newPassword',
    'url',
    'events',
    'description',
    'disabled',
    ...PROTOTYPE_KEYS,
  ),
  // The fields of a WebAuthn answer, so that bodies reach the passkey checks beyond validation.
  fc.constantFrom(
    'response',
    'mfaToken',
    'id',
    'rawId',
    'type',
    'clientDataJSON',
    'authenticatorData',
    'signature',
    'userHandle',
    'attestationObject',
  ),
  fc.string({ maxLength: 20 }),
);
/** Text a database cannot store: NUL anywhere, and UTF-16 surrogates without their other half. */
const unstorable = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000@example.com', '\uD800', 'x\uDC00', '\uDBFF@example.com', '\uDC00\uD800'),
  fc
    .tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\u0000', '\uD83D', '\uDE00'), fc.string({ maxLength: 20 }))
    .map((parts) => parts.join('')),
);
const scalar = fc.oneof(
  fc.string({ maxLength: 300, unit: 'binary' }),
  fc.string({ minLength: 2000, maxLength: 9000 }),
  unstorable,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
})).value;
/** Nesting from just past the bound to as deep as fits in the 10 kB body limit, alone or in a field. */
const deeplyNested = fc.oneof(
  fc.integer({ min: 9, max: 1100 }).map((depth) => '{"email":'.repeat(depth) + '1' + '}'.repeat(depth)),
  fc.integer({ min: 9, max: 4900 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc
    .integer({ min: 9, max: 4800 })
    .map((depth) => `{"email":"a@b.co","password":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.integer({ min: 9, max: 4800 }).map((depth) => `{"scopes":${'['.repeat(depth)}"x"${']'.repeat(depth)},"name":"n"}`),
);
/** Percent-encodes every UTF-8 byte, so any generated text (lone surrogates included) makes a path segment. */
const pathSegment = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
const pathId = fc.oneof(
  fc.uuid(),
  fc
    .string({ maxLength: 80, unit: 'binary' })
    .filter((text) => text.length > 0)
    .map(pathSegment),
  fc.constantFrom('%00', '1%00', '%ED%A0%80', '%C0%80', 'x'.repeat(300), '12345678901234567890', '-1', '0x1'),
);
/** Characters Node's HTTP client accepts in a header value. */
const headerValue = fc.string({
  maxLength: 400,
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
});
const credentialHeaders = fc.record(
  {
    authorization: fc.oneof(
      headerValue,
      headerValue.map((v) => `Bearer ${v}`),
      fc.constant('Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.'),
    ),
    cookie: fc.oneof(
      headerValue,
      headerValue.map((v) => `sid=${v}`),
      headerValue.map((v) => `sid=s%3A${v}`),
    ),
    'x-api-key': fc.oneof(
      headerValue,
      headerValue.map((v) => `sk_${v}`),
    ),
  },
  { requiredKeys: [] },
);

describe(`no 5xx and no success for garbage, on every auth route (${storageMode})`, () => {
  let t: TestApp;
  let session: LoggedIn;
  const adminEmail = uniqueEmail('admin');
  before(async () => {
    t = await startApp({
      AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
      LOCKOUT_THRESHOLD: '100000',
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: 'http://localhost:3000',
    });
    session = await login(t.url);
  });
  after(() => t.close());

  /** Headers of a fresh session of a user or of the admin, so that bodies reach the handlers behind the guard. */
  const credentials = async (who: 'nobody' | 'user' | 'admin'): Promise<Record<string, string>> => {
    if (who === 'nobody') return {};
    const signedIn = who === 'admin' ? await login(t.url, adminEmail, PASSWORD, false) : await login(t.url);
    return { Cookie: signedIn.cookie, 'X-CSRF-Token': signedIn.csrfToken };
  };

  const send = (route: (typeof ROUTES)[number], headers: Record<string, string>, body?: string, id = 'x') => {
    let call = request(t.url)[route.method](route.path.replaceAll(':id', id));
    for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
    if (body !== undefined) call = call.set('Content-Type', 'application/json').send(body);
    return call;
  };

  it('answers arbitrary JSON bodies and path ids, signed in or not, with a 4xx or a legitimate success, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.oneof(
          json.map((v) => JSON.stringify(v)),
          deeplyNested,
          fc.record({ email: unstorable, password: fc.constant(PASSWORD) }).map((v) => JSON.stringify(v)),
        ),
        fc.constantFrom('nobody' as const, 'user' as const, 'admin' as const),
        pathId,
        async (route, body, who, id) => {
          const response = await send(route, await credentials(who), body, id);
          const said = `${who}: ${route.method} ${route.path} (${id.slice(0, 40)}) answered ${response.status} to ${body.slice(0, 200)}`;
          assert.ok(response.status < 500, said);
          if (!route.open && who === 'nobody') assert.ok(response.status >= 400, said);
          assert.doesNotMatch(response.text, /\bat [\w.]+ \(|QueryFailedError|SQLITE_|syntax error at/);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers arbitrary query values on the audit and user-search routes with 4xx or 200, never 5xx', async () => {
    const admin = await credentials('admin');
    const cursorLike = fc
      .oneof(
        fc.json(),
        fc.tuple(fc.string(), fc.string()).map((pair) => JSON.stringify(pair)),
      )
      .map((text) => Buffer.from(text).toString('base64url'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constant('/auth/admin/audit'), fc.constantFrom('userId', 'type', 'limit', 'x')),
          fc.tuple(fc.constant('/auth/admin/users'), fc.constantFrom('query', 'limit', 'cursor', 'x')),
        ),
        fc.oneof(fc.string({ maxLength: 80, unit: 'binary' }).map(pathSegment), pathId, cursorLike),
        async ([path, name], value) => {
          const response = await request(t.url).get(`${path}?${name}=${value}`).set(admin);
          assert.ok(response.status < 500, `${path}?${name}=${value.slice(0, 60)} answered ${response.status}`);
          assert.doesNotMatch(response.text, /QueryFailedError|SQLITE_|syntax error at/);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers arbitrary credential headers with 4xx, never 5xx and never 2xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES.filter((r) => !r.open)), credentialHeaders, async (route, headers) => {
        const response = await send(
          route,
          headers as Record<string, string>,
          route.method === 'post' ? '{}' : undefined,
        );
        assert.ok(
          response.status >= 400 && response.status < 500,
          `${route.method} ${route.path} answered ${response.status} to ${JSON.stringify(headers).slice(0, 300)}`,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('answers arbitrary bodies, path parts and queries on an organization, as its owner, never with 5xx', async () => {
    const owner = await login(t.url);
    const org = (
      await owner.agent
        .post('/auth/orgs')
        .set('X-CSRF-Token', owner.csrfToken)
        .send({ name: 'Fuzz', slug: `fuzz-${randomUUID()}` })
    ).body as { id: string };
    const orgKeys = fc.constantFrom(
      'name',
      'slug',
      'requireMfa',
      'role',
      'permissions',
      'email',
      'token',
      'scopes',
      'cursor',
    );
    const orgBody = fc.oneof(
      json.map((v) => JSON.stringify(v)),
      fc.dictionary(orgKeys, json, { maxKeys: 4 }).map((v) => JSON.stringify(v)),
    );
    const query = fc.oneof(
      fc.constant(''),
      fc
        .record(
          {
            cursor: fc.string({ maxLength: 200 }),
            limit: fc.string({ maxLength: 8 }),
            type: fc.string({ maxLength: 40 }),
          },
          { requiredKeys: [] },
        )
        .map((q) => `?${new URLSearchParams(q).toString()}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ORG_ROUTES), orgBody, pathId, query, async (route, body, sub, q) => {
        const path = route.path.replace(':orgId', org.id).replace(':sub', sub) + q;
        const response = await request(t.url)
          [route.method](path)
          .set('Cookie', owner.cookie)
          .set('X-CSRF-Token', owner.csrfToken)
          .set('Content-Type', 'application/json')
          .send(body);
        const said = `${route.method} ${path.slice(0, 120)} answered ${response.status} to ${body.slice(0, 200)}`;
        assert.ok(response.status < 500, said);
        assert.doesNotMatch(response.text, /\bat [\w.]+ \(|QueryFailedError|SQLITE_|syntax error at/);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a logged-in session safe from prototype keys in bodies', async () => {
    for (const body of [
      '{"__proto__":{"roles":["admin"]}}',
      '{"constructor":{"prototype":{"roles":["admin"]}}}',
      '{"email":{"__proto__":{}}, "password":"x"}',
    ]) {
      for (const path of ['/auth/register', '/auth/login', '/auth/password', '/auth/api-keys']) {
        const response = await session.agent
          .post(path)
          .set('X-CSRF-Token', session.csrfToken)
          .set('Content-Type', 'application/json')
          .send(body);
        assert.equal(response.status, 400, `${path} answered ${response.status} to ${body}`);
      }
    }
    assert.equal(({} as Record<string, unknown>).roles, undefined);
    await session.agent.get('/examples/admin').expect(403);
  });
});

describe(`no 5xx for garbage ID tokens on the OpenID mobile route (${storageMode})`, () => {
  const CLIENT = {
    client_id: 'nest-auth-mobile',
    client_secret: randomBytes(24).toString('hex'),
    redirect_uris: ['http://app.test/cb'],
  };
  const INVALID_GRANT = { statusCode: 401, error: 'invalid_grant', message: 'Invalid ID token' };
  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  const now = () => Math.floor(Date.now() / 1000);
  let idp: TestOidcProvider;
  let t: TestApp;
  before(async () => {
    idp = await TestOidcProvider.start({ clients: [CLIENT], conformIdTokenClaims: false });
    t = await startApp({
      PUBLIC_URL: 'http://app.test',
      OIDC_PROVIDERS: 'test',
      OIDC_TEST_ISSUER: idp.issuer,
      OIDC_TEST_CLIENT_ID: CLIENT.client_id,
      OIDC_TEST_CLIENT_SECRET: CLIENT.client_secret,
    });
    // The provider's metadata is fetched in the background at start.
    for (let i = 0; i < 100 && (await request(t.url).get('/auth/oidc/test/login')).status !== 302; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(async () => {
    await t?.close();
    await idp?.close();
  });

  const exchange = (body: unknown) =>
    request(t.url).post('/auth/oidc/test/token').set('Content-Type', 'application/json').send(JSON.stringify(body));
  /** What the input check refuses before the route: NUL and unpaired surrogates. */
  const refusedText = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: idp.issuer,
    aud: CLIENT.client_id,
    sub: randomUUID(),
    iat: now(),
    exp: now() + 300,
    ...extra,
  });

  it('answers 401 invalid_grant to tokens of JWT shape whose parts are not JSON, or not the JSON of a token', async () => {
    const header = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
    const signature = b64('not a signature');
    const tokens = [
      `${header}.${b64('not json')}.${signature}`,
      `${header}.${b64('{"sub":')}.${signature}`,
      `${header}.${b64('\u0000\uffff')}.${signature}`,
      `${header}..${signature}`,
      `${b64('{"alg":"RS256","typ":"JWT",')}.${b64('{}')}.${signature}`,
      `${b64('not json')}.${b64('{}')}.${signature}`,
      ...['null', '1', '"RS256"', '[]', '{"alg":null,"typ":"JWT"}', '{"alg":["RS256"],"kid":{},"typ":"JWT"}'].map(
        (value) => `${b64(value)}.${b64('{"sub":"x"}')}.${signature}`,
      ),
      ...['null', '1', '"text"', '[]', 'true'].map((value) => `${header}.${b64(value)}.${signature}`),
      `${b64(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64(JSON.stringify(claims()))}.`,
      idp.mint(claims({ sub: 42 })),
      idp.mint(claims({ sub: 'a\u0000b' })),
      idp.mint(claims({ sub: '\ud800' })),
      idp.mint(claims({ exp: now() - 600, iat: now() - 900 })),
      idp.mint(claims({ aud: ['someone-else', CLIENT.client_id] })),
      idp.mint(claims(), 'other'),
    ];
    for (const token of tokens) {
      const response = await exchange({ id_token: token });
      assert.equal(response.status, 401, `${response.status} to ${token.slice(0, 120)}: ${response.text}`);
      assert.deepEqual(response.body, INVALID_GRANT);
    }
  });

  it('answers any string token with 401 invalid_grant, and any other body with 400, 401 or 413, never 5xx', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 200, unit: 'binary' }).map(b64),
      json.map((value) => b64(JSON.stringify(value) ?? '')),
      fc.constant(b64(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))),
      fc.string({ maxLength: 60 }),
    );
    const token = fc.oneof(
      fc.tuple(segment, segment, segment).map((parts) => parts.join('.')),
      fc.string({ maxLength: 300, unit: 'binary' }),
      fc.array(segment, { maxLength: 6 }).map((parts) => parts.join('.')),
    );
    await fc.assert(
      fc.asyncProperty(token, fc.option(fc.string({ minLength: 1, maxLength: 40 })), async (idToken, nonce) => {
        const body = nonce === null ? { id_token: idToken } : { id_token: idToken, nonce };
        const response = await exchange(body);
        const said = `${response.status} to ${JSON.stringify(idToken).slice(0, 200)}: ${response.text.slice(0, 200)}`;
        // Empty, longer than a token may be, a body past the 10 kB limit, or text the input check refuses: 4xx before the route.
        const beforeRoute =
          idToken.length === 0 ||
          idToken.length > 8192 ||
          refusedText.test(idToken) ||
          Buffer.byteLength(JSON.stringify(body)) > 10_000;
        if (beforeRoute) assert.ok([400, 401, 413].includes(response.status), said);
        else assert.deepEqual([response.status, response.body], [401, INVALID_GRANT], said);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(json, async (body) => {
        const response = await exchange(body);
        assert.ok(
          [400, 401, 413].includes(response.status),
          `${response.status} to ${JSON.stringify(body).slice(0, 200)}`,
        );
      }),
      { numRuns: 100 },
    );
  });
});
