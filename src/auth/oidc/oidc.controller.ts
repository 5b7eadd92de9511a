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
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { SecondStepChallenge } from '../core/second-step';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal, Public } from '../core/auth.decorator';
import { IssuingRoute } from '../routes/issuing-route.decorator';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { Identities, IdentityView } from './identities.service';
import { IdTokenDto, OidcLinkDto } from './oidc.dto';
import { OidcProviders } from './oidc-providers';
import { OidcSignIn } from './oidc-sign-in.service';

@ApiTags('oidc')
@AuthRoutes()
@Controller()
export class OidcController {
  constructor(
    private readonly providers: OidcProviders,
    private readonly signIn: OidcSignIn,
    private readonly identities: Identities,
  ) {}

  @Public()
  @Documented('The OpenID providers users can sign in with', { 200: '`[{name, loginUrl}]`' })
  @Get('oidc/providers')
  list(): Array<{ name: string; loginUrl: string | null }> {
    return this.providers.names().map((name) => ({ name, loginUrl: this.providers.loginPath(name) }));
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented(
    'Start signing in with a provider: authorization code flow with PKCE (S256), `state` and `nonce`; with `reauth=1`, a signed-in user re-authenticates there (`prompt=login`, `max_age=0`)',
    {
      302: 'To the provider',
      404: 'Unknown provider',
      503: 'The provider’s discovery has not succeeded yet',
    },
  )
  @IssuingRoute('session')
  @Get('oidc/:provider/login')
  async login(
    @Param('provider') provider: string,
    @Query('returnTo') returnTo: unknown,
    @Query('reauth') reauth: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    response.redirect(302, await this.signIn.start(provider, returnTo, request, response, undefined, reauth === '1'));
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented('The provider sends the browser back here: a new session exactly as after password login', {
    302: 'To `returnTo` (default `/account`), signed in (or with the identity linked); with `mfa=required` added when the user has MFA on and the provider did not say it did MFA (`amr`): no session yet, see `GET /auth/oidc/second-step`',
    401: '`Sign-in failed` for any state, nonce, PKCE, ID-token or provider error, and no session',
    409: 'An account has this email but one side has not verified it; or (linking) the identity belongs to another user',
  })
  @IssuingRoute('session')
  @Get('oidc/:provider/callback')
  async callback(
    @Param('provider') provider: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    response.redirect(302, await this.signIn.callback(provider, request, response));
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented('Exchange an ID token from the provider’s SDK (a mobile app) for a token pair', {
    200: 'The token pair, as from `POST /auth/token`; for a user with MFA on whose provider did not say it did MFA (`amr`), `{mfaRequired, mfaToken, methods}` to finish at `POST /auth/token/mfa`',
    400: 'Malformed body',
    401: '`invalid_grant` for any ID token that does not hold (signature, issuer, audience, expiry, nonce), one already exchanged, or a disabled user',
    409: 'An account has this email but one side has not verified it',
  })
  @IssuingRoute('jwt')
  @Post('oidc/:provider/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  token(
    @Param('provider') provider: string,
    @Body() body: IdTokenDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<object> {
    return this.signIn.exchangeIdToken(provider, body.id_token, body.nonce, request, response);
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented(
    'The second step of this browser’s OpenID sign-in, once: after a callback that redirected with `mfa=required`',
    {
      200: '`{mfaRequired, mfaToken, methods}`, to finish at `POST /auth/login/mfa` (or `POST /auth/passkeys/login`)',
      404: 'No sign-in of this browser waits for a second factor',
    },
  )
  @IssuingRoute('session')
  @Get('oidc/second-step')
  @Header('Cache-Control', 'no-store')
  async secondStep(@Req() request: Request): Promise<SecondStepChallenge> {
    const pending = await this.signIn.takeSecondStep(request);
    if (!pending) throw new NotFoundException('No sign-in waits for a second factor');
    return pending;
  }

  // A POST with the session's CSRF token, never a GET: a cross-site link or image must not start linking someone's identity to the account.
  @Auth('session', { fresh: true })
  @Documented('Start linking an identity at a provider to the signed-in user', {
    200: '`{url}`: send the browser there; on return the identity is linked to the caller',
    403: 'Missing CSRF token',
    404: 'Unknown provider',
    409: '(on return) the identity is linked to another user',
  })
  @IssuingRoute('session')
  @Post('oidc/:provider/link')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async link(
    @Param('provider') provider: string,
    @Body() body: OidcLinkDto,
    @CurrentPrincipal() principal: AuthPrincipal,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ url: string }> {
    return { url: await this.signIn.start(provider, body.returnTo, request, response, principal) };
  }

  @Auth({ caller: 'user' })
  @Documented('The caller’s linked identities', { 200: '`[{id, provider, email, createdAt}]`' })
  @Get('identities')
  identitiesOf(@CurrentPrincipal() principal: AuthPrincipal): Promise<IdentityView[]> {
    return this.identities.list(principal.user.id);
  }

  @Auth({ caller: 'user', fresh: true })
  @Documented('Unlink one of the caller’s identities', {
    204: 'Unlinked',
    403: 'Missing CSRF token',
    404: 'Not an identity of the caller',
    409: 'It is the caller’s last way to sign in, or another removal of one of them is under way',
  })
  @Delete('identities/:id')
  @HttpCode(204)
  async unlink(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('Identity not found') })) id: string,
    @Req() request: Request,
  ): Promise<void> {
    await this.identities.unlink(principal.user.id, id, request);
  }
}
