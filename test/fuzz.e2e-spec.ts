import fc from 'fast-check';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { login, LoggedIn, startApp, storageMode, TestApp } from './support/app';

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
  { method: 'delete', path: '/auth/sessions/x' },
  { method: 'post', path: '/auth/logout-all' },
  { method: 'post', path: '/auth/password' },
  { method: 'post', path: '/auth/api-keys' },
  { method: 'get', path: '/auth/api-keys' },
  { method: 'delete', path: '/auth/api-keys/x' },
  { method: 'post', path: '/auth/api-keys/x/rotate' },
  { method: 'post', path: '/auth/admin/users/x/disable' },
  { method: 'get', path: '/auth/admin/audit' },
  { method: 'get', path: '/examples/any' },
  { method: 'get', path: '/examples/reports' },
];

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const key = fc.oneof(
  fc.constantFrom('email', 'password', 'name', 'refresh_token', 'scopes', 'currentPassword', 'newPassword', ...PROTOTYPE_KEYS),
  fc.string({ maxLength: 20 }),
);
const scalar = fc.oneof(
  fc.string({ maxLength: 300, unit: 'binary' }),
  fc.string({ minLength: 2000, maxLength: 9000 }),
  fc.constant('\u0000'),
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
const deeplyNested = fc.integer({ min: 50, max: 3000 }).map((depth) => '{"email":'.repeat(depth) + '1' + '}'.repeat(depth));
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
  before(async () => {
    t = await startApp();
    session = await login(t.url);
  });
  after(() => t.close());

  const send = (route: (typeof ROUTES)[number], headers: Record<string, string>, body?: string) => {
    let call = request(t.url)[route.method](route.path);
    for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
    if (body !== undefined) call = call.set('Content-Type', 'application/json').send(body);
    return call;
  };

  it('answers arbitrary JSON bodies with a 4xx or a legitimate success, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.oneof(
          json.map((v) => JSON.stringify(v)),
          deeplyNested,
        ),
        async (route, body) => {
          const response = await send(route, {}, body);
          assert.ok(response.status < 500, `${route.method} ${route.path} answered ${response.status} to ${body.slice(0, 200)}`);
          if (!route.open) assert.ok(response.status >= 400, `${route.path} accepted ${body.slice(0, 200)}`);
          assert.doesNotMatch(response.text, /\bat [\w.]+ \(|QueryFailedError|SQLITE_|syntax error at/);
        },
      ),
      { numRuns: 150 },
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
