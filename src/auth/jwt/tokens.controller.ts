import { Body, Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import type { Request } from 'express';
import { Public } from '../core/auth.decorator';
import { SecondStep, SecondStepChallenge } from '../core/second-step';
import { LoginDto } from '../login/credentials.dto';
import { PasswordLogin } from '../login/password-login';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { JwtTokensService, TokenPair } from './jwt-tokens.service';
import { RefreshTokenDto } from './token.dto';

@ApiTags('tokens')
@AuthRoutes()
@Controller('token')
export class TokensController {
  constructor(
    private readonly passwordLogin: PasswordLogin,
    private readonly tokens: JwtTokensService,
    private readonly secondStep: SecondStep,
  ) {}

  @Public()
  @RateLimitedAuthRoute()
  @Documented('Exchange email and password for an access token and a refresh token', {
    200: 'The token pair (RFC 6749 §5.1); with MFA on, `{mfaRequired: true, mfaToken, methods}` and no token (finish at `POST /auth/token/mfa`)',
    400: 'Malformed body',
    401: 'Invalid email or password',
  })
  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async token(@Body() body: LoginDto, @Req() request: Request): Promise<TokenPair | SecondStepChallenge> {
    const identified = await this.passwordLogin.identify(body.email, body.password, request, 'jwt');
    return (await this.secondStep.begin(identified, request)) ?? this.tokens.issue(identified, request);
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented('Spend a refresh token for a new pair; a spent token presented again ends its family', {
    200: 'A new pair in the same family',
    400: 'Malformed body',
    401: '`invalid_grant` for unknown, spent, revoked and expired tokens alike',
  })
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  refresh(@Body() body: RefreshTokenDto, @Req() request: Request): Promise<TokenPair> {
    return this.tokens.refresh(body.refresh_token, request);
  }

  @Public()
  @RateLimitedAuthRoute()
  @Documented('End the family of a refresh token (RFC 7009)', { 200: 'Always, known token or not', 400: 'Malformed body' })
  @Post('revoke')
  @HttpCode(200)
  async revoke(@Body() body: RefreshTokenDto, @Req() request: Request): Promise<void> {
    await this.tokens.revoke(body.refresh_token, request);
  }
}
