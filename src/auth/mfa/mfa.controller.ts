import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthMechanisms } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { MULTIPLE_FACTORS } from '../core/authentication-proof';
import { Auth, CurrentPrincipal, Public } from '../core/auth.decorator';
import { IdentifiedUser } from '../core/identified-user';
import { SignInFunnel } from '../login/sign-in-funnel';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { IssuingRoute } from '../routes/issuing-route.decorator';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { CurrentPasswordDto, DisableTotpDto, MfaLoginDto, TotpCodeDto } from './mfa.dto';
import { MfaSecondStep } from './mfa-second-step';
import { OneTimeCodes, TotpEnrolment } from './one-time-codes.service';

const INVALID_CODE = 'Invalid code';

@ApiTags('mfa')
@AuthRoutes()
@Controller()
export class MfaController {
  constructor(
    private readonly codes: OneTimeCodes,
    private readonly secondStep: MfaSecondStep,
    private readonly funnel: SignInFunnel,
    private readonly mechanisms: AuthMechanisms,
  ) {}

  @Auth({ caller: 'user' })
  @Documented('The caller’s second factors', { 200: '`{totp, recoveryCodesLeft, passkeys}`' })
  @Get('mfa')
  async status(@CurrentPrincipal() principal: AuthPrincipal) {
    const userId = principal.user.id;
    const [totp, recoveryCodesLeft, passkeys] = await Promise.all([
      this.codes.totpOn(userId),
      this.codes.recoveryCodesLeft(userId),
      this.secondStep.countOf('passkey', userId),
    ]);
    return { totp, recoveryCodesLeft, passkeys };
  }

  @Auth({ caller: 'user', fresh: true })
  @RateLimitedAuthRoute()
  @Documented('Start TOTP enrolment: a new secret, pending until a code of it is confirmed', {
    201: '`{secret, otpauthUrl}` (shown once; the QR code of `otpauthUrl` is for authenticator apps)',
    400: 'Malformed body or wrong current password',
    403: 'Missing CSRF token',
    409: 'TOTP is already on',
    429: 'The account backs off after wrong passwords; see Retry-After',
  })
  @Post('mfa/totp')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  startTotp(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() body: CurrentPasswordDto,
    @Req() request: Request,
  ): Promise<TotpEnrolment> {
    return this.codes.startEnrolment(principal, body.currentPassword, request);
  }

  @Auth({ caller: 'user', changesSignIn: true })
  @Documented('Confirm the pending TOTP secret with a code of it: MFA is on', {
    200: '`{recoveryCodes}`: 10 codes, shown once',
    400: 'Wrong code, or no enrolment pending',
    403: 'Missing CSRF token',
  })
  @Post('mfa/totp/confirm')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async confirmTotp(@CurrentPrincipal() principal: AuthPrincipal, @Body() body: TotpCodeDto, @Req() request: Request) {
    const recoveryCodes = await this.codes.confirm(principal, body.code, request);
    // The code just given is a use of the new factor: the session's proof holds it, at the time it already had.
    // (An access token cannot change; a bearer caller re-authenticates with the code for routes that ask for it.)
    if (principal.via === 'session' && principal.authTime !== undefined) {
      const amr = [...(principal.amr ?? []), 'otp', MULTIPLE_FACTORS];
      await this.mechanisms
        .get(principal.via)
        ?.reauthenticated?.(principal, request, { authTime: principal.authTime, amr: [...new Set(amr)] });
    }
    return { recoveryCodes };
  }

  // The code in the body is the second factor: a fresh password alone is enough before it.
  @Auth({ caller: 'user', fresh: true })
  @RateLimitedAuthRoute()
  @Documented('Turn TOTP off with the current password and a code (or a recovery code); the recovery codes are void', {
    204: 'MFA is off',
    400: 'Malformed body, wrong current password, wrong code, or TOTP is not on',
    403: 'Missing CSRF token',
    429: 'The account backs off after wrong passwords or codes; see Retry-After',
  })
  @Delete('mfa/totp')
  @HttpCode(204)
  async disableTotp(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() body: DisableTotpDto,
    @Req() request: Request,
  ): Promise<void> {
    await this.codes.disable(principal, body.currentPassword, body.code, request);
  }

  @Auth({ caller: 'user', fresh: { secondFactor: true } })
  @RateLimitedAuthRoute()
  @Documented('A new set of recovery codes; the old ones are void', {
    200: '`{recoveryCodes}`: 10 codes, shown once',
    400: 'Malformed body, wrong current password, or TOTP is not on',
    403: 'Missing CSRF token',
    429: 'The account backs off after wrong passwords; see Retry-After',
  })
  @Post('mfa/recovery-codes')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async regenerate(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() body: CurrentPasswordDto,
    @Req() request: Request,
  ) {
    return { recoveryCodes: await this.codes.regenerateRecoveryCodes(principal, body.currentPassword, request) };
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented('The second step of a login: the `mfaToken` and a TOTP code or a recovery code; starts a session', {
    200: '`{user, csrfToken}` and the session cookie, as `POST /auth/login`',
    400: 'Malformed body',
    401: '`Invalid code` for a wrong code and an unknown, spent, expired or dead `mfaToken` alike',
    429: 'Too many attempts from this IP or for this account; see Retry-After',
  })
  @IssuingRoute('session')
  @Post('login/mfa')
  @HttpCode(200)
  async loginMfa(@Body() body: MfaLoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.funnel.finish(await this.secondFactor(body, request), 'session', request, response);
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented('The second step of `POST /auth/token`: the `mfaToken` and a TOTP code or a recovery code', {
    200: 'The token pair, as `POST /auth/token`',
    400: 'Malformed body',
    401: '`Invalid code` for a wrong code and an unknown, spent, expired or dead `mfaToken` alike',
    429: 'Too many attempts from this IP or for this account; see Retry-After',
  })
  @IssuingRoute('jwt')
  @Post('token/mfa')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async tokenMfa(@Body() body: MfaLoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.funnel.finish(await this.secondFactor(body, request), 'jwt', request, response);
  }

  private async secondFactor(body: MfaLoginDto, request: Request): Promise<IdentifiedUser> {
    const { code, recoveryCode } = body;
    if ((code === undefined) === (recoveryCode === undefined))
      throw new BadRequestException('Send either code or recoveryCode');
    const identified =
      code !== undefined
        ? await this.secondStep.answer(body.mfaToken, 'totp', request, (userId) => this.codes.useTotp(userId, code))
        : await this.secondStep.answer(body.mfaToken, 'recovery', request, (userId) =>
            this.codes.useRecoveryCode(userId, recoveryCode as string, request, 'recovery'),
          );
    if (!identified) throw new UnauthorizedException(INVALID_CODE);
    return identified;
  }
}
