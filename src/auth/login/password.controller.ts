import { Body, Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AccountsService } from '../accounts/accounts.service';
import { PasswordChangeDto } from '../accounts/password-change.dto';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal, Public } from '../core/auth.decorator';
import { toPublicUser } from '../core/public-user';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { IssuingRoute } from '../routes/issuing-route.decorator';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { LoginDto, RegisterDto } from './credentials.dto';
import { PasswordLogin } from './password-login';
import { SignInFunnel } from './sign-in-funnel';

/** Registration, sign-in and the change of a password; each sign-in route ends in the funnel with its issuer. */
@ApiTags('password')
@AuthRoutes()
@Controller()
export class PasswordController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly passwordLogin: PasswordLogin,
    private readonly funnel: SignInFunnel,
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
    return toPublicUser(
      await this.accounts.register({ email: body.email, password: body.password, name: body.name }, { request }),
    );
  }

  @Public()
  @RateLimitedAuthRoute()
  @IssuingRoute('session')
  @Documented('Log in with email and password; starts a session on a new session ID', {
    200: '`{user, csrfToken}` and the session cookie; with MFA on, `{mfaRequired: true, mfaToken, methods}` and no cookie (finish at `POST /auth/login/mfa`)',
    400: 'Malformed body',
    401: 'Invalid email or password (unknown email, wrong password and disabled account alike)',
  })
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const identified = await this.passwordLogin.identify(body.email, body.password, request, 'session');
    return this.funnel.begin(identified, 'session', request, response);
  }

  @Public()
  @RateLimitedAuthRoute()
  @IssuingRoute('jwt')
  @Documented('Exchange email and password for an access token and a refresh token', {
    200: 'The token pair (RFC 6749 §5.1); with MFA on, `{mfaRequired: true, mfaToken, methods}` and no token (finish at `POST /auth/token/mfa`)',
    400: 'Malformed body',
    401: 'Invalid email or password',
  })
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async token(@Body() body: LoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const identified = await this.passwordLogin.identify(body.email, body.password, request, 'jwt');
    return this.funnel.begin(identified, 'jwt', request, response);
  }

  /** A session that changes its password moves to a new session ID; the new CSRF token comes in `X-CSRF-Token`. */
  @Auth({ caller: 'user', changesSignIn: true })
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
    await this.funnel.renew(principal, request, response);
  }
}
