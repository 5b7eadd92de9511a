import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { randomBytes, randomUUID } from 'node:crypto';
import { Brackets, EntityManager, IsNull, MoreThan, QueryFailedError, Repository } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { ApiKeysService, CreatedApiKey, ApiKeyView } from '../api-key/api-keys.service';
import { AuditEntry, AuditLog } from '../audit/audit-log.service';
import { AUTH_EVENT_TYPES, AuthEvent, AuthEventType } from '../audit/auth-event.entity';
import { AccountParts } from '../core/account-parts';
import type { AuthPrincipal } from '../core/auth-principal';
import { authDatabaseOf } from '../core/database';
import { normalizeEmail } from '../core/email-address';
import { ReauthenticationMethods } from '../core/reauthentication-methods';
import { RevocationBus } from '../core/revocation-bus';
import { sha256Hex } from '../core/secrets';
import { TooManyRequestsException } from '../core/too-many-requests.exception';
import { USER_STORE, UserStore } from '../core/user-store';
import { EMAIL_OPTIONS, type ResolvedEmailOptions } from '../email/email.options';
import type { MailQueue } from '../email/mail-queue';
import { DEFAULT_MAIL_TEMPLATES } from '../email/mail-templates';
import { BUILT_IN_ROLES, grants, isBuiltInRole, mayHandOut } from './org-permissions';
import { OrgApiKey, OrgEvent, OrgInvitation, OrgMembership, OrgRole, Organization } from './org.entities';
import { INVITATION_TTL_MS, ORGS_OPTIONS, ResolvedOrgsOptions } from './orgs.options';
import { decodePageCursor, encodePageCursor } from '../core/page-cursor';

/** The audit events of organizations: each carries `orgId` in its detail and is indexed by it. */
type OrgEventType = Extract<AuthEventType, `org.${string}`>;
export const ORG_EVENT_TYPES: readonly OrgEventType[] = AUTH_EVENT_TYPES.filter((type): type is OrgEventType =>
  type.startsWith('org.'),
);

/** Whether the `email` feature is listed beside `orgs` (then invitations go through its mail queue). */
export const EMAIL_LISTED = Symbol('ORGS_EMAIL_LISTED');
const NOT_FOUND = 'Organization not found';
const INVALID_TOKEN = 'Invalid or expired token';
const MAX_PAGE = 100;
const LAST_OWNER = 'The account is the last owner of an organization: make another member owner, or delete it, first';

/** The caller acting in an organization, as the guard admitted it. */
export type OrgActor = AuthPrincipal & { org: NonNullable<AuthPrincipal['org']> };

export interface OrgView {
  id: string;
  name: string;
  slug: string;
  createdAt: Date;
  requireMfa: boolean;
}

export interface MemberView {
  userId: string;
  email: string | null;
  name: string | null;
  role: string;
  joinedAt: Date;
}

export interface InvitationView {
  id: string;
  email: string;
  role: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface RoleView {
  name: string;
  permissions: string[];
  builtIn: boolean;
}

/**
 * Organizations, memberships, roles, invitations and organization-owned keys. Every change writes
 * its audit event in its own transaction, and every change to who may do what in an organization is
 * announced on the revocation bus once it commits, so every instance's cached memberships follow.
 */
@Injectable()
export class OrgsService implements OnModuleInit {
  private readonly postgres: boolean;
  private apiKeysService: ApiKeysService | null = null;
  private mailQueue: MailQueue | null = null;

  constructor(
    @InjectRepository(Organization) private readonly orgs: Repository<Organization>,
    @InjectRepository(OrgMembership) private readonly memberships: Repository<OrgMembership>,
    @InjectRepository(OrgRole) private readonly roles: Repository<OrgRole>,
    @InjectRepository(OrgInvitation) private readonly invitations: Repository<OrgInvitation>,
    @InjectRepository(OrgApiKey) private readonly orgKeys: Repository<OrgApiKey>,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly audit: AuditLog,
    private readonly bus: RevocationBus,
    private readonly moduleRef: ModuleRef,
    private readonly reauthentication: ReauthenticationMethods,
    @Inject(ORGS_OPTIONS) private readonly options: ResolvedOrgsOptions,
    private readonly accounts: AccountsService,
    parts: AccountParts,
    @Inject(EMAIL_LISTED) emailListed: boolean,
    @Optional() @Inject(EMAIL_OPTIONS) private readonly emailOptions?: ResolvedEmailOptions,
  ) {
    parts.add({
      name: 'organizations',
      view: (userId) => this.listFor(userId),
      refusesRemoval: async (userId) => ((await this.isLastOwnerSomewhere(userId)) ? LAST_OWNER : undefined),
      remove: (userId, manager) => this.removeUser(userId, manager),
    });
    if (!emailListed && !options.deliverInvitation)
      throw new Error(
        'AuthModule: feature "orgs" sends invitations: list feature "email" or set orgs.deliverInvitation',
      );
    this.postgres = authDatabaseOf(orgs.manager.connection.options.type) === 'postgres';
  }

  onModuleInit(): void {
    this.audit.onStored(ORG_EVENT_TYPES, async (event: AuthEvent, manager: EntityManager) => {
      const orgId = event.detail?.orgId;
      if (typeof orgId === 'string')
        await manager.insert(OrgEvent, { eventId: event.id, orgId, createdAt: event.createdAt });
    });
  }

  /** Services of features listed beside this one (`apiKeys`, `email`), found once their modules exist; null when unlisted. */
  private apiKeys(): ApiKeysService | null {
    this.apiKeysService ??= this.optional(ApiKeysService);
    return this.apiKeysService;
  }

  private mail(): MailQueue | null {
    if (!this.mailQueue && this.emailOptions) {
      // Loaded only with `email` listed: it brings nodemailer, an optional peer.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { MailQueue: token } = require('../email/mail-queue') as typeof import('../email/mail-queue');
      this.mailQueue = this.optional(token);
    }
    return this.mailQueue;
  }

  private optional<T>(token: new (...args: never[]) => T): T | null {
    try {
      return this.moduleRef.get(token, { strict: false });
    } catch {
      return null;
    }
  }

  // Organizations

  async create(principal: AuthPrincipal, input: { name: string; slug: string }, request: Request): Promise<OrgView> {
    const org: Organization = {
      id: randomUUID(),
      name: input.name.trim(),
      slug: input.slug,
      requireMfa: false,
      keyOwnerId: null,
      createdAt: new Date(),
    };
    try {
      await this.audit.transaction(async (tx) => {
        await tx.manager.insert(Organization, org);
        await tx.manager.insert(OrgMembership, {
          orgId: org.id,
          userId: principal.user.id,
          role: 'owner',
          joinedAt: org.createdAt,
        });
        tx.record(event('org.created', principal, org.id, request, { slug: org.slug }));
        tx.afterCommit(() => this.bus.publish({ type: 'orgMember', orgId: org.id, userId: principal.user.id }));
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('Slug taken');
      throw error;
    }
    return view(org);
  }

  async listFor(userId: string): Promise<Array<{ id: string; name: string; slug: string; role: string }>> {
    const rows = await this.memberships
      .createQueryBuilder('m')
      .innerJoin(Organization, 'o', 'o.id = m.orgId')
      .select(['o.id AS id', 'o.name AS name', 'o.slug AS slug', 'm.role AS role'])
      .where('m.userId = :userId', { userId })
      .orderBy('o.name', 'ASC')
      .getRawMany<{ id: string; name: string; slug: string; role: string }>();
    return rows.map(({ id, name, slug, role }) => ({ id, name, slug, role }));
  }

  async get(orgId: string): Promise<OrgView> {
    const org = await this.orgs.findOneBy({ id: orgId });
    if (!org) throw new NotFoundException(NOT_FOUND);
    return view(org);
  }

  async update(
    actor: OrgActor,
    orgId: string,
    input: { name?: string; requireMfa?: boolean },
    request: Request,
  ): Promise<OrgView> {
    if (input.requireMfa === true && !(await this.reauthentication.hasSecondFactor(actor.user.id)))
      throw new BadRequestException('Enrol a second factor before requiring one');
    return this.audit.transaction(async (tx) => {
      const org = await this.lockOrg(tx.manager, orgId);
      const changes: Partial<Organization> = {};
      if (input.name !== undefined) changes.name = input.name.trim();
      if (input.requireMfa !== undefined) changes.requireMfa = input.requireMfa;
      if (Object.keys(changes).length) await tx.manager.update(Organization, { id: orgId }, changes);
      tx.record(event('org.updated', actor, orgId, request, { fields: Object.keys(changes).join(',') }));
      if (changes.requireMfa !== undefined && changes.requireMfa !== org.requireMfa)
        tx.afterCommit(() => this.bus.publish({ type: 'org', id: orgId }));
      return view({ ...org, ...changes });
    });
  }

  /**
   * Ends the organization: its memberships, invitations and roles go with it, its keys are revoked on
   * every instance, and its service user (the owner of those keys) is deleted with them.
   */
  async remove(actor: OrgActor, orgId: string, request: Request): Promise<void> {
    const apiKeys = this.apiKeys();
    await this.audit.transaction(async (tx) => {
      const org = await this.lockOrg(tx.manager, orgId);
      const keys = await tx.manager.find(OrgApiKey, { where: { orgId } });
      if (keys.length && (!apiKeys || !org.keyOwnerId))
        throw new Error('organization keys without the apiKeys feature');
      for (const key of keys) await apiKeys?.revoke(org.keyOwnerId as string, key.apiKeyId, tx).catch(ignoreNotFound);
      await tx.manager.delete(Organization, { id: orgId });
      const keyOwner = org.keyOwnerId ? await this.users.findById(org.keyOwnerId) : null;
      // A host's user store that deletes users itself keeps it: its keys are revoked above either way.
      if (keyOwner && this.accounts.deletesUsers())
        await this.accounts.remove(keyOwner, { principal: actor, request }, tx);
      tx.record(event('org.deleted', actor, orgId, request, { slug: org.slug }));
      tx.afterCommit(() => this.bus.publish({ type: 'org', id: orgId }));
    });
  }

  // Members

  async members(
    orgId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: MemberView[]; nextCursor: string | null }> {
    const after = cursor === undefined ? undefined : decodePageCursor(cursor);
    if (after === null) throw new BadRequestException('Invalid cursor');
    const query = this.memberships
      .createQueryBuilder('m')
      .where('m.orgId = :orgId', { orgId })
      .orderBy('m.joinedAt', 'ASC')
      .addOrderBy('m.userId', 'ASC')
      .limit(Math.min(limit, MAX_PAGE) + 1);
    if (after)
      query.andWhere(
        new Brackets((where) =>
          where
            .where('m.joinedAt > :at', { at: after.at })
            .orWhere('m.joinedAt = :at AND m.userId > :id', { at: after.at, id: after.id }),
        ),
      );
    const rows = await query.getMany();
    const page = rows.slice(0, limit);
    const items = await Promise.all(
      page.map(async (row) => {
        const user = await this.users.findById(row.userId);
        return {
          userId: row.userId,
          email: user?.email ?? null,
          name: user?.name ?? null,
          role: row.role,
          joinedAt: row.joinedAt,
        };
      }),
    );
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodePageCursor(last.joinedAt, last.userId) : null };
  }

  async changeRole(
    actor: OrgActor,
    orgId: string,
    userId: string,
    role: string,
    request: Request,
  ): Promise<MemberView> {
    return this.audit.transaction(async (tx) => {
      await this.lockOrg(tx.manager, orgId);
      const member = await tx.manager.findOneBy(OrgMembership, { orgId, userId });
      if (!member) throw new NotFoundException('Member not found');
      const permissions = await this.permissionsOf(tx.manager, orgId, role);
      if (!permissions) throw new BadRequestException('Unknown role');
      if ((role === 'owner' || member.role === 'owner') && !grants(actor.org.permissions, 'owners:manage'))
        throw new ForbiddenException('Only an owner changes owners');
      if (!mayHandOut(actor.org.permissions, permissions)) throw new ForbiddenException('Role grants more than yours');
      if (member.role === 'owner' && role !== 'owner') await this.keepAnOwner(tx.manager, orgId, userId);
      if (member.role !== role) {
        await tx.manager.update(OrgMembership, { orgId, userId }, { role });
        tx.record(
          event('org.member_role_changed', actor, orgId, request, { memberId: userId, from: member.role, to: role }),
        );
        tx.afterCommit(() => this.bus.publish({ type: 'orgMember', orgId, userId }));
      }
      const user = await this.users.findById(userId);
      return { userId, email: user?.email ?? null, name: user?.name ?? null, role, joinedAt: member.joinedAt };
    });
  }

  /** Removal by a member who may remove members, or leaving (`userId` is the caller's own). */
  async removeMember(actor: OrgActor, orgId: string, userId: string, request: Request): Promise<void> {
    const leaving = userId === actor.user.id && actor.org.role !== 'api-key';
    if (!leaving && !grants(actor.org.permissions, 'members:remove'))
      throw new ForbiddenException('Insufficient permission');
    await this.audit.transaction(async (tx) => {
      await this.lockOrg(tx.manager, orgId);
      const member = await tx.manager.findOneBy(OrgMembership, { orgId, userId });
      if (!member) throw new NotFoundException('Member not found');
      if (!leaving) {
        const permissions = (await this.permissionsOf(tx.manager, orgId, member.role)) ?? [];
        if (member.role === 'owner' && !grants(actor.org.permissions, 'owners:manage'))
          throw new ForbiddenException('Only an owner removes owners');
        if (!mayHandOut(actor.org.permissions, permissions)) throw new ForbiddenException('Member outranks you');
      }
      if (member.role === 'owner') await this.keepAnOwner(tx.manager, orgId, userId);
      await tx.manager.delete(OrgMembership, { orgId, userId });
      tx.record(
        event('org.member_removed', actor, orgId, request, { memberId: userId, role: member.role, left: leaving }),
      );
      tx.afterCommit(() => this.bus.publish({ type: 'orgMember', orgId, userId }));
    });
  }

  /** Every user's memberships end with their account: refused while they are an organization's last owner. */
  async isLastOwnerSomewhere(userId: string): Promise<boolean> {
    const owned = await this.memberships.find({ where: { userId, role: 'owner' } });
    for (const { orgId } of owned) if ((await this.memberships.countBy({ orgId, role: 'owner' })) === 1) return true;
    return false;
  }

  /**
   * A deleted account's part, in the deletion's transaction: its memberships (refused, undoing the
   * deletion, if one of them became an organization's last owner meanwhile) and the invitations
   * waiting for its address. Every instance drops the memberships it cached once it commits.
   */
  private async removeUser(userId: string, manager: EntityManager): Promise<void> {
    const memberships = await manager.find(OrgMembership, { where: { userId } });
    for (const { orgId, role } of memberships) {
      if (role !== 'owner') continue;
      await this.lockOrg(manager, orgId);
      if ((await manager.countBy(OrgMembership, { orgId, role: 'owner' })) === 1)
        throw new ConflictException(LAST_OWNER);
    }
    await manager.delete(OrgMembership, { userId });
    for (const { orgId } of memberships) await this.bus.publish({ type: 'orgMember', orgId, userId }, { manager });
    const user = await this.users.findById(userId);
    if (user) await manager.delete(OrgInvitation, { email: normalizeEmail(user.email), acceptedAt: IsNull() });
  }

  // Roles

  async listRoles(orgId: string): Promise<RoleView[]> {
    const custom = await this.roles.find({ where: { orgId }, order: { name: 'ASC' } });
    return [
      ...Object.entries(BUILT_IN_ROLES).map(([name, permissions]) => ({
        name,
        permissions: [...permissions],
        builtIn: true,
      })),
      ...custom.map((role) => ({ name: role.name, permissions: role.permissions, builtIn: false })),
    ];
  }

  async createRole(
    actor: OrgActor,
    orgId: string,
    name: string,
    permissions: string[],
    request: Request,
  ): Promise<RoleView> {
    if (isBuiltInRole(name)) throw new ConflictException('Role exists');
    if (!mayHandOut(actor.org.permissions, permissions)) throw new ForbiddenException('Role grants more than yours');
    try {
      await this.audit.transaction(async (tx) => {
        await this.lockOrg(tx.manager, orgId);
        await tx.manager.insert(OrgRole, { orgId, name, permissions: unique(permissions), createdAt: new Date() });
        tx.record(event('org.role_created', actor, orgId, request, { role: name }));
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('Role exists');
      throw error;
    }
    return { name, permissions: unique(permissions), builtIn: false };
  }

  async updateRole(
    actor: OrgActor,
    orgId: string,
    name: string,
    permissions: string[],
    request: Request,
  ): Promise<RoleView> {
    if (isBuiltInRole(name)) throw new ForbiddenException('Built-in roles cannot change');
    if (!mayHandOut(actor.org.permissions, permissions)) throw new ForbiddenException('Role grants more than yours');
    await this.audit.transaction(async (tx) => {
      await this.lockOrg(tx.manager, orgId);
      const role = await tx.manager.findOneBy(OrgRole, { orgId, name });
      if (!role) throw new NotFoundException('Role not found');
      if (!mayHandOut(actor.org.permissions, role.permissions))
        throw new ForbiddenException('Role grants more than yours');
      await tx.manager.update(OrgRole, { orgId, name }, { permissions: unique(permissions) });
      tx.record(event('org.role_updated', actor, orgId, request, { role: name }));
      tx.afterCommit(() => this.bus.publish({ type: 'org', id: orgId }));
    });
    return { name, permissions: unique(permissions), builtIn: false };
  }

  async deleteRole(actor: OrgActor, orgId: string, name: string, request: Request): Promise<void> {
    if (isBuiltInRole(name)) throw new ForbiddenException('Built-in roles cannot change');
    await this.audit.transaction(async (tx) => {
      await this.lockOrg(tx.manager, orgId);
      const role = await tx.manager.findOneBy(OrgRole, { orgId, name });
      if (!role) throw new NotFoundException('Role not found');
      const inUse =
        (await tx.manager.countBy(OrgMembership, { orgId, role: name })) +
        (await tx.manager.countBy(OrgInvitation, {
          orgId,
          role: name,
          acceptedAt: IsNull(),
          expiresAt: MoreThan(new Date()),
        }));
      if (inUse) throw new ConflictException('Role in use');
      await tx.manager.delete(OrgRole, { orgId, name });
      tx.record(event('org.role_deleted', actor, orgId, request, { role: name }));
    });
  }

  // Invitations

  async invite(actor: OrgActor, orgId: string, email: string, role: string, request: Request): Promise<InvitationView> {
    const address = normalizeEmail(email);
    return this.audit.transaction(async (tx) => {
      const org = await this.lockOrg(tx.manager, orgId);
      const permissions = await this.permissionsOf(tx.manager, orgId, role);
      if (!permissions) throw new BadRequestException('Unknown role');
      if (role === 'owner' && !grants(actor.org.permissions, 'owners:manage'))
        throw new ForbiddenException('Only an owner invites owners');
      if (!mayHandOut(actor.org.permissions, permissions)) throw new ForbiddenException('Role grants more than yours');
      const recent = await tx.manager.countBy(OrgInvitation, {
        orgId,
        createdAt: MoreThan(new Date(Date.now() - 3600_000)),
      });
      if (recent >= this.options.invitationsPerHour) throw new TooManyRequestsException(3600);
      const existing = await this.users.findByEmail(address);
      if (existing && (await tx.manager.countBy(OrgMembership, { orgId, userId: existing.id })))
        throw new ConflictException('Already a member');
      const token = randomBytes(32).toString('base64url');
      const now = new Date();
      const invitation: OrgInvitation = {
        id: randomUUID(),
        orgId,
        email: address,
        role,
        tokenHash: sha256Hex(token),
        invitedBy: actor.user.id,
        createdAt: now,
        expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
        acceptedAt: null,
      };
      await tx.manager.insert(OrgInvitation, invitation);
      await this.deliver(tx.manager, org, invitation, token);
      tx.record(event('org.invitation_created', actor, orgId, request, { invitationId: invitation.id, role }));
      return { id: invitation.id, email: address, role, createdAt: now, expiresAt: invitation.expiresAt };
    });
  }

  private async deliver(
    manager: EntityManager,
    org: Organization,
    invitation: OrgInvitation,
    token: string,
  ): Promise<void> {
    const link = this.options.invitationUrl.replace('{token}', encodeURIComponent(token));
    const queue = this.mail();
    if (queue && this.emailOptions) {
      const template = this.emailOptions.templates.org_invitation ?? DEFAULT_MAIL_TEMPLATES.org_invitation;
      const content = template({
        appName: this.emailOptions.appName,
        email: invitation.email,
        link,
        organization: org.name,
        role: invitation.role,
        validForHours: INVITATION_TTL_MS / 3600_000,
      });
      await queue.send({ kind: 'org_invitation', to: invitation.email, ...content }, manager);
      return;
    }
    if (!this.options.deliverInvitation) throw new Error('no way to deliver an invitation');
    await this.options.deliverInvitation({
      orgId: org.id,
      organization: org.name,
      email: invitation.email,
      role: invitation.role,
      link,
      expiresAt: invitation.expiresAt,
    });
  }

  async listInvitations(orgId: string): Promise<InvitationView[]> {
    const rows = await this.invitations.find({
      where: { orgId, acceptedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
    });
    return rows.map(({ id, email, role, createdAt, expiresAt }) => ({ id, email, role, createdAt, expiresAt }));
  }

  async revokeInvitation(actor: OrgActor, orgId: string, id: string, request: Request): Promise<void> {
    await this.audit.transaction(async (tx) => {
      const { affected } = await tx.manager.delete(OrgInvitation, { id, orgId, acceptedAt: IsNull() });
      if (!affected) throw new NotFoundException('Invitation not found');
      tx.record(event('org.invitation_revoked', actor, orgId, request, { invitationId: id }));
    });
  }

  /**
   * Spends an invitation for the signed-in caller whose verified address is the invited one. Every
   * other case (unknown, spent, expired, someone else's, an unverified address) answers the same 400,
   * and leaves the invitation for its addressee.
   */
  async accept(principal: AuthPrincipal, token: string, request: Request): Promise<{ orgId: string; role: string }> {
    const user = await this.users.findById(principal.user.id);
    return this.audit.transaction(async (tx) => {
      const invitation = await tx.manager
        .getRepository(OrgInvitation)
        .createQueryBuilder('i')
        .where('i.tokenHash = :hash', { hash: sha256Hex(token) })
        .getOne();
      const usable =
        invitation &&
        !invitation.acceptedAt &&
        invitation.expiresAt.getTime() > Date.now() &&
        user?.emailVerified === true &&
        normalizeEmail(user.email) === invitation.email;
      if (!usable || !user) throw new BadRequestException(INVALID_TOKEN);
      if (await tx.manager.countBy(OrgMembership, { orgId: invitation.orgId, userId: user.id }))
        throw new ConflictException('Already a member');
      const { affected } = await tx.manager.update(
        OrgInvitation,
        { id: invitation.id, acceptedAt: IsNull() },
        { acceptedAt: new Date() },
      );
      if (!affected) throw new BadRequestException(INVALID_TOKEN);
      await tx.manager.insert(OrgMembership, {
        orgId: invitation.orgId,
        userId: user.id,
        role: invitation.role,
        joinedAt: new Date(),
      });
      tx.record(
        event('org.member_added', principal, invitation.orgId, request, {
          memberId: user.id,
          role: invitation.role,
          invitationId: invitation.id,
        }),
      );
      tx.afterCommit(() => this.bus.publish({ type: 'orgMember', orgId: invitation.orgId, userId: user.id }));
      return { orgId: invitation.orgId, role: invitation.role };
    });
  }

  // Organization-owned API keys

  /**
   * A key of the organization: issued to the organization's own service user (made with its first
   * key, without a password, never a member), so it survives whoever created it and acts in no other
   * organization; its scopes are its permissions.
   */
  async createKey(
    actor: OrgActor,
    orgId: string,
    input: { name: string; scopes: string[]; expiresAt: Date | null; rateLimitPerMinute?: number },
    request: Request,
  ): Promise<CreatedApiKey> {
    const apiKeys = this.apiKeys();
    if (!apiKeys) throw new NotFoundException('Cannot GET');
    if (!mayHandOut(actor.org.permissions, input.scopes)) throw new ForbiddenException('Scopes grant more than yours');
    const ownerId = await this.keyOwner(orgId);
    return this.audit.transaction(async (tx) => {
      await this.lockOrg(tx.manager, orgId);
      const created = await apiKeys.create(ownerId, input, tx);
      await tx.manager.insert(OrgApiKey, {
        apiKeyId: created.id,
        orgId,
        createdBy: actor.user.id,
        createdAt: created.createdAt,
      });
      tx.record(event('org.api_key_created', actor, orgId, request, { keyId: created.id }));
      return created;
    });
  }

  async listKeys(orgId: string): Promise<ApiKeyView[]> {
    const apiKeys = this.apiKeys();
    const org = await this.orgs.findOneBy({ id: orgId });
    if (!apiKeys || !org?.keyOwnerId) return [];
    const own = new Set((await this.orgKeys.find({ where: { orgId } })).map((key) => key.apiKeyId));
    return (await apiKeys.list(org.keyOwnerId)).filter((key) => own.has(key.id));
  }

  async revokeKey(actor: OrgActor, orgId: string, id: string, request: Request): Promise<void> {
    const apiKeys = this.apiKeys();
    await this.audit.transaction(async (tx) => {
      const org = await this.lockOrg(tx.manager, orgId);
      const key = await tx.manager.findOneBy(OrgApiKey, { apiKeyId: id, orgId });
      if (!apiKeys || !key || !org.keyOwnerId) throw new NotFoundException('API key not found');
      await apiKeys.revoke(org.keyOwnerId, id, tx);
      tx.record(event('org.api_key_revoked', actor, orgId, request, { keyId: id }));
    });
  }

  private async keyOwner(orgId: string): Promise<string> {
    const org = await this.orgs.findOneBy({ id: orgId });
    if (!org) throw new NotFoundException(NOT_FOUND);
    if (org.keyOwnerId) return org.keyOwnerId;
    const email = `org-${orgId}@organizations.invalid`;
    const user =
      (await this.users.findByEmail(email)) ??
      (await this.users.create({
        email,
        passwordHash: null,
        name: `${org.name} (organization keys)`,
        roles: ['service'],
      }));
    await this.orgs.update({ id: orgId, keyOwnerId: IsNull() }, { keyOwnerId: user.id });
    return ((await this.orgs.findOneBy({ id: orgId }))?.keyOwnerId as string | undefined) ?? user.id;
  }

  // Audit

  async auditOf(
    orgId: string,
    query: { type?: string; from?: Date; to?: Date; cursor?: string; limit: number },
  ): Promise<{ items: AuthEvent[]; nextCursor: string | null }> {
    await this.audit.flush();
    const after = query.cursor === undefined ? undefined : decodePageCursor(query.cursor);
    if (after === null) throw new BadRequestException('Invalid cursor');
    const builder = this.orgs.manager
      .getRepository(AuthEvent)
      .createQueryBuilder('e')
      .innerJoin(OrgEvent, 'o', 'o.eventId = e.id')
      .where('o.orgId = :orgId', { orgId })
      .orderBy('e.createdAt', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(query.limit + 1);
    if (query.type) builder.andWhere('e.type = :type', { type: query.type });
    if (query.from) builder.andWhere('e.createdAt >= :from', { from: query.from });
    if (query.to) builder.andWhere('e.createdAt < :to', { to: query.to });
    if (after)
      builder.andWhere(
        new Brackets((where) =>
          where
            .where('e.createdAt < :at', { at: after.at })
            .orWhere('e.createdAt = :at AND e.id < :id', { at: after.at, id: after.id }),
        ),
      );
    const rows = await builder.getMany();
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? encodePageCursor(last.createdAt, last.id) : null };
  }

  // Helpers

  /** The organization, locked for the transaction on PostgreSQL (SQLite's transactions already run one at a time). */
  private async lockOrg(manager: EntityManager, orgId: string): Promise<Organization> {
    const query = manager.getRepository(Organization).createQueryBuilder('o').where('o.id = :orgId', { orgId });
    if (this.postgres) query.setLock('pessimistic_write');
    const org = await query.getOne();
    if (!org) throw new NotFoundException(NOT_FOUND);
    return org;
  }

  private async permissionsOf(manager: EntityManager, orgId: string, role: string): Promise<string[] | null> {
    if (isBuiltInRole(role)) return [...BUILT_IN_ROLES[role]];
    return (await manager.findOneBy(OrgRole, { orgId, name: role }))?.permissions ?? null;
  }

  /** Refuses a change that would leave the organization without an owner (the member `userId` stops being one). */
  private async keepAnOwner(manager: EntityManager, orgId: string, userId: string): Promise<void> {
    const owners = await manager.find(OrgMembership, { where: { orgId, role: 'owner' }, select: { userId: true } });
    if (!owners.some((owner) => owner.userId !== userId))
      throw new ConflictException('An organization keeps at least one owner');
  }
}

function event(
  type: OrgEventType,
  principal: AuthPrincipal,
  orgId: string,
  request: Request,
  detail: Record<string, string | number | boolean> = {},
): AuditEntry {
  return { type, userId: principal.user.id, mechanism: principal.via, request, detail: { orgId, ...detail } };
}

function view(org: Organization): OrgView {
  return { id: org.id, name: org.name, slug: org.slug, createdAt: org.createdAt, requireMfa: org.requireMfa };
}

const unique = (values: string[]) => [...new Set(values)];

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && /unique|duplicate/i.test(String(error.message));
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof NotFoundException)) throw error;
}
