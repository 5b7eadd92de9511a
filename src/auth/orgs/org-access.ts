import { ForbiddenException, Inject, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { Repository } from 'typeorm';
import type { AuthPrincipal } from '../core/auth-principal';
import { ReauthenticationMethods } from '../core/reauthentication-methods';
import { RevocationBus } from '../core/revocation-bus';
import { RouteAuthorizers, RouteCheck } from '../core/route-authorizers';
import { VerifiedCredentialCache } from '../core/verified-credential-cache';
import { BUILT_IN_ROLES, grantsAll, isPermission } from './org-permissions';
import { OrgApiKey, OrgMembership, OrgRole, Organization } from './org.entities';
import { ORGS_OPTIONS, ResolvedOrgsOptions } from './orgs.options';

declare module '../core/auth.decorator' {
  interface AuthRouteOptions {
    /**
     * The route parameter that names the organization the request acts in (or, when the route has no
     * such parameter, the header the `orgs` options name). A non-member gets 404.
     */
    org?: string;
    /** With `org`: every one must be granted by the member's role, or by the organization-owned key's scopes; else 403. */
    permissions?: string[];
  }
}

declare module '../core/auth-principal' {
  interface AuthPrincipal {
    /** On routes of `@Auth({ org })`: the organization of this request, the caller's role in it and what that role grants. */
    org?: { id: string; role: string; permissions: string[] };
  }
}

declare module '../core/revocation-bus' {
  interface RevocationEvents {
    /** A membership began, changed role or ended. */
    orgMember: { orgId: string; userId: string };
    /** Something every member's access depends on changed: a role's permissions, `requireMfa`, or the organization ended. */
    org: { id: string };
  }
}

/** What the hot path needs of one membership. */
export interface MemberAccess {
  role: string;
  permissions: string[];
  requireMfa: boolean;
}

/** The role an organization-owned API key acts with; its scopes are its permissions. */
export const ORG_KEY_ROLE = 'api-key';
const NOT_FOUND = 'Organization not found';
export const MFA_REQUIRED = 'Two-factor authentication required by the organization';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RFC 8176 values that say a sign-in used a second factor (or a factor that is one: a passkey). */
const SECOND_FACTOR_AMR = ['mfa', 'otp', 'hwk', 'swk'];
const CACHE_LIMITS = { ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 100_000 };
const MAX_KEY_OWNERS = 100_000;

/**
 * Decides `@Auth({ org, permissions })` routes from the request: the organization named by the route
 * (never a "current organization" of the session, so two tabs on two organizations never mix), the
 * caller's membership and role, or the organization-owned key's scopes. Memberships are cached per
 * instance like verified keys: the warm check runs no query, and a membership, role or organization
 * change announced on the revocation bus drops the entries it concerns on every instance; while the
 * bus is behind, the cache is bypassed.
 */
@Injectable()
export class OrgAccess {
  private readonly members = new VerifiedCredentialCache<MemberAccess>(CACHE_LIMITS);
  /** Which organization owns an API key, by key id, or null for a personal key: it never changes once the key exists. */
  private readonly keyOwners = new Map<string, string | null>();

  constructor(
    @InjectRepository(OrgMembership) private readonly memberships: Repository<OrgMembership>,
    @InjectRepository(OrgApiKey) private readonly orgKeys: Repository<OrgApiKey>,
    private readonly bus: RevocationBus,
    authorizers: RouteAuthorizers,
    private readonly reauthentication: ReauthenticationMethods,
    @Inject(ORGS_OPTIONS) private readonly options: ResolvedOrgsOptions,
  ) {
    // At construction: routes may be read (for the OpenAPI document) before any module's init hooks run.
    authorizers.register({
      keys: ['org', 'permissions'],
      prepare: (options, route) => this.prepare(options, route),
    });
    bus.subscribe((event) => {
      if (event.type === 'orgMember') this.members.evict(entryKey(event.orgId, event.userId));
      else if (event.type === 'org') this.members.evictCredential(event.id);
    });
  }

  private prepare(options: Readonly<Record<string, unknown>>, route: string): RouteCheck {
    const param = options.org;
    if (typeof param !== 'string' || !param)
      throw new Error(`AuthModule: ${route} needs @Auth({ org: '<route parameter>' }) beside its permissions`);
    const permissions = options.permissions ?? [];
    if (!Array.isArray(permissions) || !permissions.every((p) => typeof p === 'string' && isPermission(p)))
      throw new Error(`AuthModule: ${route} has malformed permissions (resource:action strings)`);
    const wanted = [...(permissions as string[])];
    return (principal, request) => this.check(param, wanted, principal, request as Request & { user?: AuthPrincipal });
  }

  private check(
    param: string,
    wanted: string[],
    principal: AuthPrincipal,
    request: Request & { user?: AuthPrincipal },
  ): void | Promise<void> {
    const orgId = this.orgIdOf(param, request);
    if (!orgId) throw new NotFoundException(NOT_FOUND);
    const keyOwner = principal.apiKeyId ? this.keyOwnerOf(principal.apiKeyId) : null;
    if (keyOwner instanceof Promise)
      return keyOwner.then((owner) => this.decide(orgId, owner, wanted, principal, request));
    return this.decide(orgId, keyOwner, wanted, principal, request);
  }

  private decide(
    orgId: string,
    keyOwner: string | null,
    wanted: string[],
    principal: AuthPrincipal,
    request: Request & { user?: AuthPrincipal },
  ): void | Promise<void> {
    if (keyOwner !== null) {
      // An organization-owned key acts in its organization only, with exactly its scopes.
      if (keyOwner !== orgId) throw new NotFoundException(NOT_FOUND);
      const scopes = principal.scopes ?? [];
      if (!grantsAll(scopes, wanted)) throw new ForbiddenException('Insufficient permission');
      request.user = { ...principal, org: { id: orgId, role: ORG_KEY_ROLE, permissions: [...scopes] } };
      return;
    }
    const access = this.membership(orgId, principal.user.id);
    if (access instanceof Promise)
      return access.then((found) => this.admitMember(orgId, found, wanted, principal, request));
    return this.admitMember(orgId, access, wanted, principal, request);
  }

  private admitMember(
    orgId: string,
    access: MemberAccess | null,
    wanted: string[],
    principal: AuthPrincipal,
    request: Request & { user?: AuthPrincipal },
  ): void | Promise<void> {
    if (!access) throw new NotFoundException(NOT_FOUND);
    if (!grantsAll(access.permissions, wanted)) throw new ForbiddenException('Insufficient permission');
    // A member's personal scoped credential (a key) acts with what both its scopes and the role grant.
    if (principal.scopes && !grantsAll(principal.scopes, wanted)) throw new ForbiddenException('Insufficient scope');
    // A copy: mechanisms may hand the same principal object to concurrent requests, which may name other organizations.
    const admitted = () =>
      void (request.user = {
        ...principal,
        org: { id: orgId, role: access.role, permissions: [...access.permissions] },
      });
    if (!access.requireMfa || (principal.amr ?? []).some((amr) => SECOND_FACTOR_AMR.includes(amr))) return admitted();
    return this.reauthentication.hasSecondFactor(principal.user.id).then((enrolled) => {
      if (!enrolled) throw new ForbiddenException(MFA_REQUIRED);
      admitted();
    });
  }

  private orgIdOf(param: string, request: Request): string | null {
    const fromPath = (request.params as Record<string, string | undefined> | undefined)?.[param];
    const named = fromPath ?? (this.options.header ? request.headers[this.options.header] : undefined);
    return typeof named === 'string' && UUID.test(named) ? named.toLowerCase() : null;
  }

  /** The member's access, from memory while the instance is current with the revocation log, else from the database. */
  membership(orgId: string, userId: string): MemberAccess | null | Promise<MemberAccess | null> {
    const key = entryKey(orgId, userId);
    const current = this.bus.isCurrent();
    if (current) {
      const cached = this.members.get(key);
      if (cached !== undefined) return cached;
    }
    const since = this.members.snapshot();
    return this.load(orgId, userId).then((access) => {
      if (current) {
        if (access) this.members.put(key, access, { userId, credentialId: orgId }, null, since);
        else this.members.putMiss(key, { userId, credentialId: orgId }, since);
      }
      return access;
    }, unavailable);
  }

  private async load(orgId: string, userId: string): Promise<MemberAccess | null> {
    const row = await this.memberships
      .createQueryBuilder('m')
      .innerJoin(Organization, 'o', 'o.id = m.orgId')
      .leftJoin(OrgRole, 'r', 'r.orgId = m.orgId AND r.name = m.role')
      .select(['m.role AS role', 'o.requireMfa AS "requireMfa"', 'r.permissions AS permissions'])
      .where('m.orgId = :orgId AND m.userId = :userId', { orgId, userId })
      .getRawOne<{ role: string; requireMfa: boolean | number; permissions: string | null }>();
    if (!row) return null;
    const permissions = BUILT_IN_ROLES[row.role] ?? (row.permissions ? (JSON.parse(row.permissions) as string[]) : []);
    return {
      role: row.role,
      permissions: [...permissions],
      requireMfa: row.requireMfa === true || row.requireMfa === 1,
    };
  }

  private keyOwnerOf(apiKeyId: string): string | null | Promise<string | null> {
    const known = this.keyOwners.get(apiKeyId);
    if (known !== undefined) return known;
    return this.orgKeys.findOne({ where: { apiKeyId }, select: { orgId: true } }).then((row) => {
      const owner = row?.orgId ?? null;
      if (this.keyOwners.size >= MAX_KEY_OWNERS) this.keyOwners.delete(this.keyOwners.keys().next().value as string);
      this.keyOwners.set(apiKeyId, owner);
      return owner;
    }, unavailable);
  }
}

const entryKey = (orgId: string, userId: string) => `${orgId}\n${userId}`;

/** The store not answering is not the caller's fault, and must not read as "not a member". */
function unavailable(): never {
  throw new ServiceUnavailableException('Service unavailable');
}
