import { Body, Controller, Header, HttpCode, Post, Req, UsePipes } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { authValidationPipe } from '../core/http-hardening';
import type { Request } from 'express';
import { Public } from '../core/auth.decorator';
import { LoginDto } from '../login/credentials.dto';
import { PasswordLogin } from '../login/password-login';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { JwtTokensService, TokenPair } from './jwt-tokens.service';
import { RefreshTokenDto } from './token.dto';

@ApiTags('tokens')
@UsePipes(authValidationPipe)
@Controller('token')
export class TokensController {
  constructor(
    private readonly passwordLogin: PasswordLogin,
    private readonly tokens: JwtTokensService,
  ) {}

  @Public()
  @RateLimitedAuthRoute()
  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async token(@Body() body: LoginDto, @Req() request: Request): Promise<TokenPair> {
    const identified = await this.passwordLogin.identify(body.email, body.password, request, 'jwt');
    return this.tokens.issue(identified, request);
  }

  @Public()
  @RateLimitedAuthRoute()
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  refresh(@Body() body: RefreshTokenDto, @Req() request: Request): Promise<TokenPair> {
    return this.tokens.refresh(body.refresh_token, request);
  }

  @Public()
  @Post('revoke')
  @HttpCode(200)
  async revoke(@Body() body: RefreshTokenDto, @Req() request: Request): Promise<void> {
    await this.tokens.revoke(body.refresh_token, request);
  }
}
