import fc from 'fast-check';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { login, LoggedIn, PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';

type Method = 'get' | 'post' | 'delete';
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
  { method: 'post', path: '/auth/passkeys/register/options' },
  { method: 'post', path: '/auth/passkeys/register' },
  { method: 'post', path: '/auth/passkeys/login/options', open: true },
  { method: 'post', path: '/auth/passkeys/login' },
  { method: 'post', path: '/auth/passkeys/token' },
  { method: 'get', path: '/auth/passkeys' },
  { method: 'delete', path: '/auth/passkeys/:id' },
  { method: 'get', path: '/examples/any' },
  { method: 'get', path: '/examples/reports' },
];

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const key = fc.oneof(
  fc.constantFrom('email', 'password', 'name', 'refresh_token', 'scopes', 'currentPassword', 'newPassword', ...PROTOTYPE_KEYS),
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
  fc.integer({ min: 9, max: 4800 }).map((depth) => `{"email":"a@b.co","password":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.integer({ min: 9, max: 4800 }).map((depth) => `{"scopes":${'['.repeat(depth)}"x"${']'.repeat(depth)},"name":"n"}`),
);
/** Percent-encodes every UTF-8 byte, so any generated text (lone surrogates included) makes a path segment. */
const pathSegment = (text: string) => [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
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
    let call = request(t.url)[route.method](route.path.replace(':id', id));
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
        const response = await send(route, headers as Record<string, string>, route.method === 'post' ? '{}' : undefined);
        assert.ok(
          response.status >= 400 && response.status < 500,
          `${route.method} ${route.path} answered ${response.status} to ${JSON.stringify(headers).slice(0, 300)}`,
        );
      }),
      { numRuns: 150 },
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
