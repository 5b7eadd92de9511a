import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import type { AuthPrincipal } from '../core/auth-principal';
import type { RevocationEvent } from '../core/revocation-bus';
import { RouteAuthorizers } from '../core/route-authorizers';
import { OrgAccess } from './org-access';
import { BUILT_IN_ROLES, grantsAll, mayHandOut } from './org-permissions';

const ORG = '11111111-1111-4111-8111-111111111111';

/** An OrgAccess over a membership table that counts its queries, and a bus the test drives. */
function harness(role = 'admin', current = () => true) {
  let queries = 0;
  const handlers: Array<(event: RevocationEvent) => void> = [];
  const memberships = {
    createQueryBuilder: () => {
      const builder = {
        innerJoin: () => builder,
        leftJoin: () => builder,
        select: () => builder,
        where: () => builder,
        getRawOne: async () => {
          queries++;
          return role ? { role, requireMfa: false, permissions: null } : undefined;
        },
      };
      return builder;
    },
  };
  const bus = {
    isCurrent: current,
    subscribe: (handler: (event: RevocationEvent) => void) => handlers.push(handler),
  };
  const authorizers = new RouteAuthorizers();
  new OrgAccess(
    memberships as never,
    {} as never,
    bus as never,
    authorizers,
    { hasSecondFactor: async () => false } as never,
    { header: null } as never,
  );
  const [check] = authorizers.checksFor({ org: 'orgId', permissions: ['invoices:read'] }, 'route');
  const principal: AuthPrincipal = { user: { id: 'u1', email: 'a@b.c', roles: [] }, via: 'session' };
  const request = () => ({ params: { orgId: ORG } }) as unknown as Request & { user?: AuthPrincipal };
  return { check, principal, request, handlers, queries: () => queries };
}

describe('OrgAccess', () => {
  it('decides a warm membership synchronously, with no query, and sets principal.org on a copy', async () => {
    const { check, principal, request, queries } = harness();
    const first = request();
    await check(principal, first);
    assert.equal(queries(), 1);
    const warm = request();
    const outcome = check(principal, warm);
    assert.equal(outcome instanceof Promise, false);
    assert.equal(queries(), 1);
    assert.deepEqual(warm.user?.org, { id: ORG, role: 'admin', permissions: [...BUILT_IN_ROLES.admin] });
    assert.equal(principal.org, undefined);
  });

  it('drops the cached membership when the bus announces a change to it or to its organization', async () => {
    const { check, principal, request, handlers, queries } = harness();
    await check(principal, request());
    for (const handler of handlers) handler({ type: 'orgMember', orgId: ORG, userId: 'u1' });
    await check(principal, request());
    assert.equal(queries(), 2);
    for (const handler of handlers) handler({ type: 'org', id: ORG });
    await check(principal, request());
    assert.equal(queries(), 3);
  });

  it('goes to the database on every request while the instance is behind the revocation log', async () => {
    let current = true;
    const { check, principal, request, queries } = harness('admin', () => current);
    await check(principal, request());
    current = false;
    await check(principal, request());
    await check(principal, request());
    assert.equal(queries(), 3);
  });

  it('answers 404 to a non-member and to a malformed organization id, 403 to a member without the permission', async () => {
    const stranger = harness('');
    await assert.rejects(async () => stranger.check(stranger.principal, stranger.request()), { status: 404 });
    const member = harness('member');
    await assert.rejects(async () => member.check(member.principal, member.request()), { status: 403 });
    const bad = { params: { orgId: 'x' } } as unknown as Request;
    assert.throws(() => member.check(member.principal, bad), { status: 404 });
  });

  it('refuses at start a route with permissions but no organization parameter', () => {
    const authorizers = new RouteAuthorizers();
    assert.throws(() => authorizers.checksFor({ permissions: ['a:b'] }, 'route'), /no listed feature provides/);
  });
});

describe('organization permissions', () => {
  it('admin holds everything but deleting the organization and managing owners', () => {
    assert.ok(grantsAll(BUILT_IN_ROLES.admin, ['invoices:write', 'members:remove', 'roles:manage']));
    assert.ok(!grantsAll(BUILT_IN_ROLES.admin, ['org:delete']));
    assert.ok(!grantsAll(BUILT_IN_ROLES.admin, ['owners:manage']));
    assert.ok(grantsAll(BUILT_IN_ROLES.owner, ['org:delete', 'owners:manage']));
  });

  it('nobody hands out more than they hold', () => {
    assert.ok(mayHandOut(BUILT_IN_ROLES.admin, ['invoices:read']));
    assert.ok(mayHandOut(BUILT_IN_ROLES.admin, BUILT_IN_ROLES.admin));
    assert.ok(!mayHandOut(BUILT_IN_ROLES.admin, ['*']));
    assert.ok(!mayHandOut(BUILT_IN_ROLES.admin, BUILT_IN_ROLES.owner));
    assert.ok(!mayHandOut(BUILT_IN_ROLES.member, ['invoices:read']));
    assert.ok(mayHandOut(BUILT_IN_ROLES.owner, ['*']));
  });
});
