import { Body, Controller, Get, HttpCode, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import type { Request, Response } from 'express';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal, Public } from '../core/auth.decorator';
import { toPublicUser } from '../core/public-user';
import { RegisterDto } from '../login/credentials.dto';
import { SessionsService } from '../session/sessions.service';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { AccountsService } from './accounts.service';
import { PasswordChangeDto } from './password-change.dto';

@ApiTags('account')
@AuthRoutes()
@Controller()
export class AccountController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
  ) {}

  @Public()
  @RateLimitedAuthRoute()
  @Documented('Register a user with email and password', {
    201: 'The new user: `{id, email, name, roles}`',
    400: 'Invalid input',
    409: 'Email taken',
    413: 'Body over 10 kB',
    415: 'Not JSON',
  })
  @Post('register')
  @HttpCode(201)
  async register(@Body() body: RegisterDto, @Req() request: Request) {
    return toPublicUser(await this.accounts.register({ email: body.email, password: body.password, name: body.name }, { request }));
  }

  @Auth()
  @Documented('The caller: `{user, via, scopes?}`', {
    200: 'The user and the mechanism that authenticated the request',
  })
  @Get('me')
  async me(@CurrentPrincipal() principal: AuthPrincipal) {
    const user = await this.accounts.findUser(principal.user.id);
    if (!user || user.disabled) throw new UnauthorizedException('Unauthorized');
    return { user: toPublicUser(user), via: principal.via, ...(principal.scopes ? { scopes: principal.scopes } : {}) };
  }

  /** A session that changes its password moves to a new session ID; the new CSRF token comes in `X-CSRF-Token`. */
  @Auth('session', 'jwt')
  @Documented(
    'Change the password; the other sessions and every refresh-token family end, and a session caller moves to a new session ID',
    {
      204: 'Changed; a session caller gets its new CSRF token in `X-CSRF-Token`',
      400: 'Wrong current password or invalid new one',
      403: 'Missing CSRF token',
      429: 'Account in back-off after wrong current passwords; see Retry-After',
    },
  )
  @Post('password')
  @HttpCode(204)
  async changePassword(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() body: PasswordChangeDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    await this.accounts.changePassword(principal, body.currentPassword, body.newPassword, request);
    if (principal.via === 'session') response.setHeader('X-CSRF-Token', await this.sessions.renew(request));
  }

  @Auth('session', 'jwt')
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
