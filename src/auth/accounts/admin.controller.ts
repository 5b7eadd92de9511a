import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  NotFoundException,
  ParseUUIDPipe,
  Patch,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  StreamableFile,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import type { Request } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { toPublicUser } from '../core/public-user';
import { AccountsService } from './accounts.service';
import { AuditQueryDto, AuditRangeDto } from './audit-query.dto';
import { UserSearchDto } from './user-search.dto';
import { UserIdPipe } from './user-id.pipe';
import { UserUpdateDto } from './user-update.dto';

@ApiTags('admin')
@Auth({ caller: 'user', roles: ['admin'] })
@AuthRoutes()
@Controller('admin')
export class AdminController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly audit: AuditLog,
  ) {}

  @Documented('Users, newest first, searched by email; a page at a time', {
    200: '`{items: [{id, email, name, roles, emailVerified, disabled, disabledAt, createdAt}], nextCursor}`; `nextCursor` is null on the last page',
    400: 'Bad query, limit or cursor',
    403: 'Not an admin',
  })
  @Get('users')
  async users(@Query() query: UserSearchDto) {
    const page = await this.accounts.searchUsers({
      query: query.query?.trim() || undefined,
      limit: query.limit ?? 20,
      cursor: query.cursor,
    });
    return {
      items: page.items.map((user) => ({
        ...toPublicUser(user),
        disabled: user.disabled,
        disabledAt: user.disabledAt,
        createdAt: user.createdAt,
      })),
      nextCursor: page.nextCursor,
    };
  }

  @Documented(
    'One user with their sessions, signed-in apps (token families), API keys, passkeys, identities and second factors; never a secret',
    {
      200: '`{id, email, name, roles, emailVerified, disabled, sessions, tokenFamilies, apiKeys, passkeys, identities, mfa}` (the parts of the listed features)',
      400: 'Malformed user id',
      403: 'Not an admin',
      404: 'No such user',
    },
  )
  @Get('users/:id')
  async user(@Param('id', UserIdPipe) id: string) {
    const { user, parts } = await this.accounts.describeUser(id);
    return { ...toPublicUser(user), disabled: user.disabled, ...parts };
  }

  @Auth({ caller: 'user', roles: ['admin'], fresh: true })
  @Documented('Change a user’s roles; effective on every instance within one second. Needs a fresh authentication', {
    200: 'The user as `GET /auth/admin/users/:id` begins: `{id, email, name, roles, emailVerified, disabled}`',
    400: 'Malformed user id or roles',
    401: '`Reauthentication required`',
    403: 'Not an admin',
    404: 'No such user',
    409: 'The host’s user store keeps roles itself',
  })
  @Patch('users/:id')
  async update(
    @Param('id', UserIdPipe) id: string,
    @Body() body: UserUpdateDto,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ) {
    const user =
      body.roles === undefined
        ? await this.accounts.findUser(id)
        : await this.accounts.setRoles(id, body.roles, { principal: admin, request });
    if (!user) throw new NotFoundException('User not found');
    return { ...toPublicUser(user), disabled: user.disabled };
  }

  @Documented(
    'End one session (`sessions`) or signed-in app (`token-families`) of a user, on every instance within a second',
    {
      204: 'Ended',
      400: 'Malformed user id',
      403: 'Not an admin',
      404: 'No such user, kind or item',
    },
  )
  @Delete('users/:id/:kind/:itemId')
  @HttpCode(204)
  async endOne(
    @Param('id', UserIdPipe) id: string,
    @Param('kind') kind: string,
    @Param('itemId', new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('Not found') })) itemId: string,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    await this.accounts.endOne(id, kind, itemId, { principal: admin, request });
  }

  @Auth({ caller: 'user', roles: ['admin'], fresh: true })
  @Documented(
    'Delete a user for good, as `DELETE /auth/me` does: every credential ends on every instance within one second, the data goes, the audit trail keeps no address or name. Another admin may be deleted; oneself only through `DELETE /auth/me`. Needs a fresh authentication',
    {
      204: 'Deleted; the email may register again at once',
      400: 'Malformed user id',
      401: '`Reauthentication required`',
      403: 'Not an admin, or the user is the caller',
      404: 'No such user',
      409: 'The user is the last owner of an organization, or the host’s user store deletes users itself',
    },
  )
  @Delete('users/:id')
  @HttpCode(204)
  async remove(
    @Param('id', UserIdPipe) id: string,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    if (id === admin.user.id) throw new ForbiddenException('Delete your own account with DELETE /auth/me');
    await this.accounts.deleteAccount(id, { principal: admin, request });
  }

  /** Every session, refresh family, access token and API key of the user stops working on every instance. */
  @Documented(
    'Disable a user: their sessions, refresh families, access tokens and API keys stop working within one second',
    {
      204: 'Disabled',
      400: 'Malformed user id',
      403: 'Not an admin',
      404: 'No such user',
    },
  )
  @Post('users/:id/disable')
  @HttpCode(204)
  async disable(
    @Param('id', UserIdPipe) id: string,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    await this.accounts.disable(id, { principal: admin, request });
  }

  @Documented('Enable a user again: they may log in; API keys they did not revoke work again', {
    204: 'Enabled',
    400: 'Malformed user id',
    403: 'Not an admin',
    404: 'No such user',
  })
  @Post('users/:id/enable')
  @HttpCode(204)
  async enable(
    @Param('id', UserIdPipe) id: string,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    await this.accounts.enable(id, { principal: admin, request });
  }

  @Documented(
    'End every session, refresh-token family and access token of a user (sign them out everywhere); API keys stay',
    {
      204: 'Ended',
      400: 'Malformed user id',
      403: 'Not an admin',
      404: 'No such user',
    },
  )
  @Post('users/:id/logout-all')
  @HttpCode(204)
  async logoutAll(
    @Param('id', UserIdPipe) id: string,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    await this.accounts.endAllCredentialsOf(id, { principal: admin, request });
  }

  @Documented('Audit events, newest first; with `cursor` (empty for the first page) a page at a time', {
    200: 'Events, never with a password, token, key or session ID, each with `userEmail` and `actorEmail` (null once the user is gone): an array, or `{items, nextCursor}` when `cursor` is given',
    400: 'Bad filter or cursor',
    403: 'Not an admin',
  })
  @Get('audit')
  async auditEvents(@Query() query: AuditQueryDto) {
    const page = await this.audit.query({
      ...range(query),
      limit: query.limit ?? 100,
      cursor: query.cursor || undefined,
    });
    if (!page) throw new BadRequestException('Invalid cursor');
    const emails = await this.accounts.emailsOf(
      page.items.flatMap((event) => [event.userId, event.actorId]).filter((id) => id !== null),
    );
    const items = page.items.map((event) => ({
      ...event,
      userEmail: (event.userId && emails.get(event.userId)) ?? null,
      actorEmail: (event.actorId && emails.get(event.actorId)) ?? null,
    }));
    // Without a cursor the answer stays the array it always was.
    return query.cursor === undefined ? items : { items, nextCursor: page.nextCursor };
  }

  @Documented('Audit events of a range, oldest first, one JSON object a line (application/x-ndjson), streamed', {
    200: 'NDJSON',
    400: 'Bad filter',
    403: 'Not an admin',
  })
  @Get('audit/export')
  exportAudit(@Query() query: AuditRangeDto): StreamableFile {
    return new StreamableFile(this.audit.export(range(query)), { type: 'application/x-ndjson' });
  }
}

const range = (query: AuditRangeDto) => ({
  userId: query.userId,
  type: query.type,
  from: query.from ? new Date(query.from) : undefined,
  to: query.to ? new Date(query.to) : undefined,
});
