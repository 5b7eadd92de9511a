import { Controller, Get, HttpCode, Post, Req, UnauthorizedException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import type { Request } from 'express';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { toPublicUser } from '../core/public-user';
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
}
