import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { ApiKeyView, CreatedApiKey } from '../api-key/api-keys.service';
import type { AuthEvent } from '../audit/auth-event.entity';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { USER_ID_LENGTH } from '../core/database';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import {
  AcceptInvitationDto,
  CreateOrgDto,
  CreateOrgKeyDto,
  CreateRoleDto,
  InvitationDto,
  MembersQueryDto,
  OrgAuditQueryDto,
  RoleDto,
  UpdateOrgDto,
  UpdateRoleDto,
} from './orgs.dto';
import { InvitationView, MemberView, OrgActor, OrgsService, OrgView, RoleView } from './orgs.service';

const notFound = (what: string) => () => new NotFoundException(`${what} not found`);
const KEY_ID = new ParseUUIDPipe({ exceptionFactory: notFound('API key') });
const INVITATION_ID = new ParseUUIDPipe({ exceptionFactory: notFound('Invitation') });
/** Any id a users table may hold; one that could not be stored (control characters, too long) is no member. */
const USER_ID = {
  transform: (value: string) => {
    if (typeof value !== 'string' || value.length > USER_ID_LENGTH || !/^[\x21-\x7e]+$/.test(value))
      throw new NotFoundException('Member not found');
    return value;
  },
};
const ROLE_NAME = {
  transform: (value: string) => {
    if (typeof value !== 'string' || !/^[a-z][a-z0-9_-]{0,39}$/.test(value))
      throw new NotFoundException('Role not found');
    return value;
  },
};

/** The guard has admitted the caller into the route's organization, and said with what (`principal.org`). */
const actor = (principal: AuthPrincipal): OrgActor => principal as OrgActor;

/**
 * Organizations. Every route under `:orgId` is decided by the guard from the path: a non-member gets
 * 404 whatever the route, a member without the route's permission 403.
 */
@ApiTags('organizations')
@AuthRoutes()
@Controller('orgs')
export class OrgsController {
  constructor(private readonly orgs: OrgsService) {}

  @Documented('Create an organization; the caller is its owner', {
    201: '`{id, name, slug, createdAt}`',
    400: 'Invalid input',
    409: 'Slug taken',
  })
  @Auth({ caller: 'user' })
  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: AuthPrincipal, @Body() body: CreateOrgDto, @Req() request: Request) {
    const { id, name, slug, createdAt } = await this.orgs.create(principal, body, request);
    return { id, name, slug, createdAt };
  }

  @Documented('The caller’s organizations, with the caller’s role in each', { 200: '`[{id, name, slug, role}]`' })
  @Auth({ caller: 'user' })
  @Get()
  list(@CurrentPrincipal() principal: AuthPrincipal) {
    return this.orgs.listFor(principal.user.id);
  }

  @Documented('One organization', { 200: '`{id, name, slug, createdAt, requireMfa}`', 404: 'Not a member' })
  @Auth({ org: 'orgId' })
  @Get(':orgId')
  get(@Param('orgId') orgId: string): Promise<OrgView> {
    return this.orgs.get(orgId);
  }

  @Documented('Rename, or require a second factor of every member', {
    200: 'The organization',
    403: 'No org:update',
    404: 'Not a member',
  })
  @Auth({ org: 'orgId', permissions: ['org:update'] })
  @Patch(':orgId')
  update(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('orgId') orgId: string,
    @Body() body: UpdateOrgDto,
    @Req() request: Request,
  ): Promise<OrgView> {
    return this.orgs.update(actor(principal), orgId, body, request);
  }

  @Documented('Delete the organization; memberships, invitations and keys end on every instance within one second', {
    204: 'Deleted',
    403: 'Not an owner',
    404: 'Not a member',
  })
  @Auth({ caller: 'user', org: 'orgId', permissions: ['org:delete'], fresh: true })
  @Delete(':orgId')
  @HttpCode(204)
  async remove(@CurrentPrincipal() principal: AuthPrincipal, @Param('orgId') orgId: string, @Req() request: Request) {
    if (actor(principal).org.role !== 'owner') throw new ForbiddenException('Insufficient permission');
    await this.orgs.remove(actor(principal), orgId, request);
  }

  @Documented('Members, oldest first, a page at a time', {
    200: '`{items: [{userId, email, name, role, joinedAt}], nextCursor}`',
  })
  @Auth({ org: 'orgId', permissions: ['members:read'] })
  @Get(':orgId/members')
  members(
    @Param('orgId') orgId: string,
    @Query() query: MembersQueryDto,
  ): Promise<{ items: MemberView[]; nextCursor: string | null }> {
    return this.orgs.members(orgId, query.cursor, query.limit ?? 50);
  }

  @Documented('Change a member’s role; takes effect on every instance within one second', {
    200: 'The member',
    400: 'Unknown role',
    403: 'No members:update, or the role grants more than the caller’s',
    409: 'Last owner',
  })
  @Auth({ org: 'orgId', permissions: ['members:update'] })
  @Patch(':orgId/members/:userId')
  changeRole(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('orgId') orgId: string,
    @Param('userId', USER_ID) userId: string,
    @Body() body: RoleDto,
    @Req() request: Request,
  ): Promise<MemberView> {
    return this.orgs.changeRole(actor(principal), orgId, userId, body.role, request);
  }

  @Documented('Remove a member, or leave; access ends on every instance within one second', {
    204: 'Removed',
    403: 'No members:remove',
    404: 'Not a member',
    409: 'Last owner',
  })
  @Auth({ org: 'orgId' })
  @Delete(':orgId/members/:userId')
  @HttpCode(204)
  async removeMember(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('orgId') orgId: string,
    @Param('userId', USER_ID) userId: string,
    @Req() request: Request,
  ): Promise<void> {
    await this.orgs.removeMember(actor(principal), orgId, userId, request);
  }

  @Documented('Invite by email; a mail with a single-use link valid 7 days', {
    201: '`{id, email, role, expiresAt}`',
    400: 'Invalid input or unknown role',
    409: 'Already a member',
    429: 'Too many invitations',
  })
  @Auth({ caller: 'user', org: 'orgId', permissions: ['members:invite'] })
  @RateLimitedAuthRoute()
  @Post(':orgId/invitations')
  @HttpCode(201)
  async invite(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('orgId') orgId: string,
    @Body() body: InvitationDto,
    @Req() request: Request,
  ) {
    const { id, email, role, expiresAt } = await this.orgs.invite(
      actor(principal),
      orgId,
      body.email,
      body.role,
      request,
    );
    return { id, email, role, expiresAt };
  }

  @Documented('Pending invitations', { 200: '`[{id, email, role, createdAt, expiresAt}]`' })
  @Auth({ org: 'orgId', permissions: ['members:invite'] })
  @Get(':orgId/invitations')
  invitations(@Param('orgId') orgId: string): Promise<InvitationView[]> {
    return this.orgs.listInvitations(orgId);
  }

  @Documented('Withdraw an invitation', { 204: 'Withdrawn', 404: 'No such pending invitation' })
  @Auth({ org: 'orgId', permissions: ['members:invite'] })
  @Delete(':orgId/invitations/:id')
  @HttpCode(204)
  async revokeInvitation(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('orgId') orgId: string,
    @Param('id', INVITATION_ID) id: string,
    @Req() request: Request,
  ): Promise<void> {
    await this.orgs.revokeInvitation(actor(principal), orgId, id, request);
  }

  @Documented('Roles: the built-in ones and the organization’s own', { 200: '`[{name, permissions, builtIn}]`' })
  @Auth({ org: 'orgId' })
  @Get(':orgId/roles')
  roles(@Param('orgId') orgId: string): Promise<RoleView[]> {
    return this.orgs.listRoles(orgId);
  }

  @Documented('Define a role', { 201: '`{name, permissions, builtIn}`', 403: 'No roles:manage', 409: 'Role exists' })
  @Auth({ org: 'orgId', permissions: ['roles:manage'] })
  @Post(':orgId/roles')
  @HttpCode(201)
  createRole(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('orgId') orgId: string,
    @Body() body: CreateRoleDto,
    @Req() request: Request,
  ): Promise<RoleView> {
    return this.orgs.createRole(actor(principal), orgId, body.name, body.permissions, request);
  }

  @Documented('Change a role’s permissions; its members’ access follows on every instance within one second', {
    200: 'The role',
    403: 'No roles:manage, or a built-in role',
    404: 'No such role',
  })
  @Auth({ org: 'orgId', permissions: ['roles:manage'] })
  @Patch(':orgId/roles/:name')
  updateRole(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('orgId') orgId: string,
    @Param('name', ROLE_NAME) name: string,
    @Body() body: UpdateRoleDto,
    @Req() request: Request,
  ): Promise<RoleView> {
    return this.orgs.updateRole(actor(principal), orgId, name, body.permissions, request);
  }

  @Documented('Delete a role no member or pending invitation holds', {
    204: 'Deleted',
    404: 'No such role',
    409: 'Role in use',
  })
  @Auth({ org: 'orgId', permissions: ['roles:manage'] })
  @Delete(':orgId/roles/:name')
  @HttpCode(204)
  async deleteRole(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('orgId') orgId: string,
    @Param('name', ROLE_NAME) name: string,
    @Req() request: Request,
  ): Promise<void> {
    await this.orgs.deleteRole(actor(principal), orgId, name, request);
  }

  @Documented('Create a key of the organization (not of its creator); the key appears in this response only', {
    201: 'As `POST /auth/api-keys`',
    400: 'Invalid input',
    403: 'No api-keys:manage, or scopes beyond the caller’s role',
  })
  @Auth({ caller: 'user', org: 'orgId', permissions: ['api-keys:manage'], fresh: true })
  @Post(':orgId/api-keys')
  @HttpCode(201)
  createKey(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('orgId') orgId: string,
    @Body() body: CreateOrgKeyDto,
    @Req() request: Request,
  ): Promise<CreatedApiKey> {
    return this.orgs.createKey(
      actor(principal),
      orgId,
      {
        name: body.name,
        scopes: body.scopes,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        rateLimitPerMinute: body.rateLimitPerMinute,
      },
      request,
    );
  }

  @Documented('The organization’s keys, never the key or its hash', { 200: 'As `GET /auth/api-keys`' })
  @Auth({ org: 'orgId', permissions: ['api-keys:manage'] })
  @Get(':orgId/api-keys')
  keys(@Param('orgId') orgId: string): Promise<ApiKeyView[]> {
    return this.orgs.listKeys(orgId);
  }

  @Documented('Revoke a key of the organization; it stops on every instance within one second', {
    204: 'Revoked',
    404: 'No such key',
  })
  @Auth({ org: 'orgId', permissions: ['api-keys:manage'] })
  @Delete(':orgId/api-keys/:id')
  @HttpCode(204)
  async revokeKey(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('orgId') orgId: string,
    @Param('id', KEY_ID) id: string,
    @Req() request: Request,
  ): Promise<void> {
    await this.orgs.revokeKey(actor(principal), orgId, id, request);
  }

  @Documented('The organization’s audit events, newest first', { 200: '`{items, nextCursor}`', 400: 'Invalid cursor' })
  @Auth({ org: 'orgId', permissions: ['audit:read'] })
  @Get(':orgId/audit')
  audit(
    @Param('orgId') orgId: string,
    @Query() query: OrgAuditQueryDto,
  ): Promise<{ items: AuthEvent[]; nextCursor: string | null }> {
    return this.orgs.auditOf(orgId, {
      type: query.type,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      cursor: query.cursor,
      limit: query.limit ?? 50,
    });
  }
}

/** Accepting an invitation: only as the signed-in user whose verified address it was sent to. */
@ApiTags('organizations')
@AuthRoutes()
@Controller('invitations')
export class InvitationsController {
  constructor(private readonly orgs: OrgsService) {}

  @Documented('Accept an invitation as the invited, verified address', {
    200: '`{orgId, role}`',
    400: '`Invalid or expired token` (also for another account’s invitation)',
    409: 'Already a member',
  })
  @Auth({ caller: 'user' })
  @RateLimitedAuthRoute()
  @Post('accept')
  @HttpCode(200)
  accept(@CurrentPrincipal() principal: AuthPrincipal, @Body() body: AcceptInvitationDto, @Req() request: Request) {
    return this.orgs.accept(principal, body.token, request);
  }
}
