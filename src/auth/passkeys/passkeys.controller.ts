import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { Request, Response } from 'express';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal, Public } from '../core/auth.decorator';
import { SignInFunnel } from '../login/sign-in-funnel';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { IssuingRoute } from '../routes/issuing-route.decorator';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { PasskeyLoginDto, PasskeyLoginOptionsDto, PasskeyRegistrationDto, PasskeyRemovalDto } from './passkey.dto';
import { PasskeysConfigured } from './passkeys-configured.guard';
import { Passkeys, PasskeyView } from './passkeys.service';

/** Any id that is not a UUID is no passkey: the same 404 as an unknown one. */
const PASSKEY_ID = new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('Passkey not found') });

@ApiTags('passkeys')
@AuthRoutes()
@UseGuards(PasskeysConfigured)
@Controller('passkeys')
export class PasskeysController {
  constructor(
    private readonly passkeys: Passkeys,
    private readonly funnel: SignInFunnel,
  ) {}

  @Auth({ caller: 'user', fresh: true })
  @Documented(
    'Options to register a passkey for the caller (`PublicKeyCredentialCreationOptionsJSON`); the challenge lives 5 minutes',
    {
      200: 'Registration options for `navigator.credentials.create()`',
      403: 'Missing CSRF token',
    },
  )
  @Post('register/options')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  registrationOptions(@CurrentPrincipal() principal: AuthPrincipal): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return this.passkeys.registrationOptions(principal);
  }

  @Auth({ caller: 'user', fresh: true })
  @Documented('Register the passkey the browser made with those options', {
    201: '`{id, name, createdAt}`',
    400: 'Invalid input, or a response that does not hold (challenge, origin, RP id, user verification, signature)',
    403: 'Missing CSRF token',
  })
  @Post('register')
  @HttpCode(201)
  async register(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() body: PasskeyRegistrationDto,
    @Req() request: Request,
  ) {
    const { id, name, createdAt } = await this.passkeys.register(principal, body.response, body.name, request);
    return { id, name, createdAt };
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented(
    'Options to sign in with a passkey (discoverable credentials, user verification required); the challenge lives 5 minutes',
    {
      200: 'Authentication options for `navigator.credentials.get()`',
      400: 'Invalid input',
    },
  )
  @Post('login/options')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  loginOptions(@Body() body: PasskeyLoginOptionsDto): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return body.mfaToken === undefined
      ? this.passkeys.authenticationOptions()
      : this.passkeys.secondFactorOptions(body.mfaToken);
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented('Sign in with a passkey; starts a session on a new session ID, as password login does', {
    200: '`{user, csrfToken}` and the session cookie',
    400: 'Malformed body',
    401: 'Sign-in failed (any response that does not hold, an unknown passkey, a disabled account alike)',
  })
  @IssuingRoute('session')
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: PasskeyLoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.funnel.finish(await this.identify(body, request, 'session'), 'session', request, response);
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented('Exchange a passkey sign-in for an access token and a refresh token', {
    200: 'The token pair (RFC 6749 §5.1)',
    400: 'Malformed body',
    401: 'Sign-in failed',
  })
  @IssuingRoute('jwt')
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async token(@Body() body: PasskeyLoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.funnel.finish(await this.identify(body, request, 'jwt'), 'jwt', request, response);
  }

  /** A passkey alone (passwordless, user verification required), or as the second factor of the login `mfaToken` waits for. */
  private identify(body: PasskeyLoginDto, request: Request, mechanism: string) {
    return body.mfaToken === undefined
      ? this.passkeys.identify(body.response, request, mechanism)
      : this.passkeys.secondFactor(body.mfaToken, body.response, request);
  }

  @Auth({ caller: 'user' })
  @Documented('The caller’s passkeys', { 200: '`[{id, name, createdAt, lastUsedAt}]`' })
  @Get()
  list(@CurrentPrincipal() principal: AuthPrincipal): Promise<PasskeyView[]> {
    return this.passkeys.list(principal.user.id);
  }

  @Auth({ caller: 'user', fresh: { secondFactor: true } })
  @Documented('Remove one of the caller’s passkeys; the last one of a user with a password takes `{currentPassword}`', {
    204: 'Removed',
    400: 'The last passkey, without the right current password',
    403: 'Missing CSRF token',
    404: 'Not a passkey of the caller',
    409: 'It is the caller’s last way to sign in, or another removal of one of them is under way',
  })
  @Delete(':id')
  @HttpCode(204)
  async remove(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', PASSKEY_ID) id: string,
    @Body() body: PasskeyRemovalDto,
    @Req() request: Request,
  ): Promise<void> {
    await this.passkeys.remove(principal, id, body.currentPassword, request);
  }
}
