import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal, Public } from '../core/auth.decorator';
import { AuthMountPoint } from '../core/mount-point';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { EmailChangeDto, EmailTokenDto, ForgotPasswordDto, ResetPasswordDto } from './email.dto';
import { EmailFlows } from './email-flows.service';

@ApiTags('email')
@AuthRoutes()
@Controller()
export class EmailController {
  constructor(
    private readonly flows: EmailFlows,
    private readonly mount: AuthMountPoint,
  ) {}

  @Auth({ caller: 'user' })
  @Documented('Send a new verification mail to the caller’s address', {
    202: 'Queued (nothing is sent for a verified address)',
    429: 'Three mails of this kind to the address this hour; see Retry-After',
  })
  @Post('email/verification')
  @HttpCode(202)
  async sendVerification(@CurrentPrincipal() principal: AuthPrincipal, @Req() request: Request): Promise<void> {
    await this.flows.resendVerification(principal.user.id, request);
  }

  /** The link in the mail: a browser lands here, so the answer is a redirect to the account page either way. */
  @Public()
  @RateLimitedAuthRoute()
  @Documented('Spend a verification or email-change link', {
    302: '`/account?emailVerified=1`, or `/account?error=invalid_token` for any token that does not work',
  })
  @Get('email/verify')
  async verifyLink(@Query('token') token: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    const ok = await this.flows.verify(token, request).then(
      () => true,
      () => false,
    );
    const account = this.mount.path('account');
    response.redirect(302, ok ? `${account}?emailVerified=1` : `${account}?error=invalid_token`);
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented('Spend a verification or email-change token', {
    204: 'The email is verified (or changed)',
    400: '`Invalid or expired token` for any token that does not work',
  })
  @Post('email/verify')
  @HttpCode(204)
  async verify(@Body() body: EmailTokenDto, @Req() request: Request): Promise<void> {
    await this.flows.verify(body.token, request);
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented('Ask for a password reset mail', {
    202: 'Always the same answer, registered address or not',
    400: 'Malformed body',
  })
  @Post('password/forgot')
  @HttpCode(202)
  async forgot(@Body() body: ForgotPasswordDto): Promise<void> {
    await this.flows.requestPasswordReset(body.email);
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented(
    'Choose a new password with the token of a reset mail; every session, refresh family and access token of the user ends',
    {
      204: 'Changed; a notice goes to the address',
      400: '`Invalid or expired token`, or an invalid new password',
    },
  )
  @Post('password/reset')
  @HttpCode(204)
  async reset(@Body() body: ResetPasswordDto, @Req() request: Request): Promise<void> {
    await this.flows.resetPassword(body.token, body.newPassword, request);
  }

  @Auth({ caller: 'user', fresh: true })
  @RateLimitedAuthRoute()
  @Documented('Move the account to a new address: a confirmation link goes there, a notice to the old one', {
    202: 'Queued; the address changes when the link is used',
    400: 'Invalid input or wrong current password',
    403: 'Missing CSRF token',
    409: 'Address taken',
    429: 'Over the limit of this IP, or 3 requests of the account this hour, or too many mails to the address, or the account backs off after wrong passwords; see Retry-After',
  })
  @Post('email')
  @HttpCode(202)
  async change(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() body: EmailChangeDto,
    @Req() request: Request,
  ): Promise<void> {
    await this.flows.requestEmailChange(principal, body.newEmail, body.currentPassword, request);
  }
}
