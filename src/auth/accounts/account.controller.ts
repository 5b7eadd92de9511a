import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Post,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import type { Request } from 'express';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { toPublicUser } from '../core/public-user';
import { normalizeEmail } from '../core/email-address';
import { AccountDeletionDto } from './account-deletion.dto';
import { AccountsService } from './accounts.service';

@ApiTags('account')
@AuthRoutes()
@Controller()
export class AccountController {
  constructor(private readonly accounts: AccountsService) {}

  @Auth()
  @Documented('The caller: `{user, via, scopes?, actor?}`', {
    200: 'The user, the mechanism that authenticated the request, and `actor: {id, email}` while an admin impersonates the user',
  })
  @Get('me')
  async me(@CurrentPrincipal() principal: AuthPrincipal) {
    const user = await this.accounts.findUser(principal.user.id);
    if (!user || user.disabled) throw new UnauthorizedException('Unauthorized');
    return {
      user: toPublicUser(user),
      via: principal.via,
      ...(principal.scopes ? { scopes: principal.scopes } : {}),
      ...(principal.actor ? { actor: { id: principal.actor.id, email: principal.actor.email } } : {}),
    };
  }

  @Auth({ caller: 'user' })
  @Documented('End every session and refresh-token family of the caller; their access tokens stop working', {
    204: 'Ended everywhere',
    403: 'Missing CSRF token',
  })
  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@CurrentPrincipal() principal: AuthPrincipal, @Req() request: Request): Promise<void> {
    await this.accounts.logoutAll(principal, request);
  }

  @Auth({ caller: 'user', fresh: true })
  @Documented(
    'Delete the caller’s account for good, with its email typed as confirmation: every credential ends on every instance within one second, each feature’s data goes, the audit trail keeps the user’s events under the opaque id without the address or the name. Needs a fresh authentication; refused while impersonating',
    {
      204: 'Deleted; the email may register again at once',
      400: '`confirm` is not the account’s email',
      401: '`Reauthentication required`',
      403: 'Missing CSRF token, or impersonating',
      409: 'The caller is the last owner of an organization, or the host’s user store deletes users itself',
    },
  )
  @Delete('me')
  @HttpCode(204)
  async deleteMe(
    @Body() body: AccountDeletionDto,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    const user = await this.accounts.findUser(principal.user.id);
    if (!user) throw new UnauthorizedException('Unauthorized');
    if (normalizeEmail(body.confirm) !== user.email)
      throw new BadRequestException('confirm must be the account’s email');
    await this.accounts.deleteAccount(user.id, { principal, request });
  }

  @Auth({ caller: 'user', fresh: true })
  @Documented(
    'A copy of everything kept about the caller, as a JSON file: profile, sessions, signed-in apps, API keys’ and passkeys’ metadata, identities, organizations with role, second factors, audit events. Never a secret, a hash, a token or key material. Needs a fresh authentication; refused while impersonating',
    {
      200: '`{exportedAt, profile, sessions, tokenFamilies, apiKeys, passkeys, identities, organizations, mfa, auditEvents}` (the parts of the listed features), as an attachment',
      401: '`Reauthentication required`',
      403: 'Impersonating',
    },
  )
  @Get('me/export')
  @Header('Content-Disposition', 'attachment; filename="account-export.json"')
  @Header('Cache-Control', 'no-store')
  async exportMe(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Req() request: Request,
  ): Promise<Record<string, unknown>> {
    return this.accounts.exportOf(principal.user.id, { principal, request }).catch((error: unknown) => {
      throw error instanceof NotFoundException ? new UnauthorizedException('Unauthorized') : error;
    });
  }
}
