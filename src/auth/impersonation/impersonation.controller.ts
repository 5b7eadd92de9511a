import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { UserIdPipe } from '../accounts/user-id.pipe';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { ImpersonationDto } from './impersonation.dto';
import { ImpersonationService } from './impersonation.service';

@ApiTags('admin')
@AuthRoutes()
@Controller()
export class ImpersonationController {
  constructor(private readonly impersonation: ImpersonationService) {}

  @Auth({ caller: 'user', roles: ['admin'], fresh: true })
  @Documented(
    'Act as a user for a limited time (RFC 8693 actor): a session caller gets a new session cookie acting as the user, a bearer caller a token pair whose access token carries `act`. Audited on both users with the reason',
    {
      200: 'session: `{user, csrfToken, expiresAt}` and a new session cookie; bearer: a token pair and `expiresAt`',
      400: 'No reason (10 to 500 characters), or too many minutes',
      401: '`Reauthentication required`',
      403: 'Not an admin, or the user is an admin',
      404: 'No such user',
      409: 'The user is disabled',
    },
  )
  @Post('admin/users/:id/impersonate')
  @HttpCode(200)
  start(
    @Param('id', UserIdPipe) id: string,
    @Body() body: ImpersonationDto,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<object> {
    return this.impersonation.start(admin, id, body, request, response);
  }

  @Auth({ caller: 'user' })
  @Documented(
    'End the impersonation the request comes with: back to the admin’s own session (new CSRF token in `X-CSRF-Token`), or the token pair ends',
    {
      204: 'Ended',
      401: 'Not an impersonation, or the admin’s own session has ended meanwhile (the impersonation ends anyway)',
      403: 'Missing CSRF token',
    },
  )
  @Post('impersonation/end')
  @HttpCode(204)
  async end(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    await this.impersonation.end(principal, request, response);
  }
}
