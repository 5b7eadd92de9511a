'use strict';
/**
 * The reference app as `dist/src/main.js` serves it, plus two bench routes side by side, so that the
 * cost of `@Auth({ org, permissions })` is measured against the same route without `org`:
 *
 * - `GET /bench/org/:orgId/invoices`: `@Auth('session', 'jwt', 'apiKey', { org: 'orgId', permissions: ['invoices:read'] })`,
 *   the reference app's `GET /examples/orgs/:orgId/invoices`;
 * - `GET /bench/no-org/:orgId/invoices`: `@Auth('session', 'jwt', 'apiKey')`, the same handler and path shape.
 *
 * The routes live here rather than in the reference app, whose route list is its documentation. A build
 * without the organizations feature (an older checkout compared with) gets neither route.
 * `node bench/host.js [root]` serves root's build (default: this checkout) the way `npm run bench` starts it.
 */
const { existsSync } = require('node:fs');
const path = require('node:path');

const ORG_ROUTE = '/bench/org/:orgId/invoices';
const NO_ORG_ROUTE = '/bench/no-org/:orgId/invoices';

/** Patches root's AppModule so that the app it builds has the bench routes; returns whether it could. */
function addBenchRoutes(root) {
  if (!existsSync(path.join(root, 'dist/src/auth/orgs'))) return false;
  const load = (name) => require(path.join(root, name));
  const { Controller, Get } = load('node_modules/@nestjs/common');
  const { Auth, CurrentPrincipal } = load('dist/src/auth');
  const { AppModule } = load('dist/src/app.module');

  class BenchOrgController {
    withOrg(principal) {
      return answer(principal);
    }
    withoutOrg(principal) {
      return answer(principal);
    }
  }
  const route = (method, url, ...decorators) => {
    const descriptor = Object.getOwnPropertyDescriptor(BenchOrgController.prototype, method);
    for (const decorator of [Get(url), ...decorators]) decorator(BenchOrgController.prototype, method, descriptor);
    CurrentPrincipal()(BenchOrgController.prototype, method, 0);
  };
  route(
    'withOrg',
    ORG_ROUTE.slice('/bench'.length),
    Auth('session', 'jwt', 'apiKey', { org: 'orgId', permissions: ['invoices:read'] }),
  );
  route('withoutOrg', NO_ORG_ROUTE.slice('/bench'.length), Auth('session', 'jwt', 'apiKey'));
  Controller('bench')(BenchOrgController);

  const forConfig = AppModule.forConfig;
  AppModule.forConfig = (config) => {
    const module = forConfig.call(AppModule, config);
    return { ...module, controllers: [...(module.controllers ?? []), BenchOrgController] };
  };
  return true;
}

function answer(principal) {
  return {
    ok: true,
    user: { id: principal.user.id, email: principal.user.email },
    via: principal.via,
    org: principal.org,
  };
}

/**
 * Seeds what the organization scenarios need on a running app: an organization of the signed-in user
 * (its owner) and an organization-owned key with `invoices:read`. `call(method, url, headers, body)`
 * answers `{ status, body }` (body parsed). Leaves ctx untouched on a build without organizations.
 */
async function seedOrganization(ctx, call) {
  const { csrfToken } = (await call('GET', '/auth/csrf', { cookie: ctx.sessionCookie })).body;
  const headers = { cookie: ctx.sessionCookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
  const slug = `bench-${Date.now().toString(36)}`;
  const org = await call('POST', '/auth/orgs', headers, { name: 'Bench', slug });
  if (org.status === 404) return;
  if (org.status !== 201)
    throw new Error(`POST /auth/orgs: expected 201, got ${org.status} ${JSON.stringify(org.body)}`);
  ctx.orgId = org.body.id;
  const key = await call('POST', `/auth/orgs/${ctx.orgId}/api-keys`, headers, {
    name: 'bench',
    scopes: ['invoices:read'],
  });
  if (key.status !== 201)
    throw new Error(`POST /auth/orgs/:orgId/api-keys: expected 201, got ${key.status} ${JSON.stringify(key.body)}`);
  ctx.orgApiKey = key.body.key;
}

/** The organization scenarios: each credential on the route with `org` and on the same route without. */
const orgScenarios = [
  ['session cookie', (ctx) => ({ cookie: ctx.sessionCookie })],
  ['JWT', (ctx) => ({ authorization: `Bearer ${ctx.accessToken}` })],
  ['org API key', (ctx) => ({ 'x-api-key': ctx.orgApiKey })],
].flatMap(([credential, headers]) => [
  {
    name: `org route, ${credential}`,
    url: (ctx) => ORG_ROUTE.replace(':orgId', ctx.orgId),
    headers,
    sibling: `same route without org, ${credential}`,
  },
  { name: `same route without org, ${credential}`, url: (ctx) => NO_ORG_ROUTE.replace(':orgId', ctx.orgId), headers },
]);

module.exports = { addBenchRoutes, seedOrganization, orgScenarios };

if (require.main === module) {
  const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
  require(path.join(root, 'node_modules/reflect-metadata'));
  addBenchRoutes(root);
  require(path.join(root, 'dist/src/main.js'));
}
