import { Body, Controller, Header, HttpCode, Post, Req, UsePipes } from '@nestjs/common';
import type { Request } from 'express';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../core/auth.decorator';
import { authValidationPipe } from '../core/http-hardening';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { LoginDto } from '../users/credentials.dto';
import { PasswordLogin } from '../users/password-login';
import { JwtTokensService, TokenPair } from './jwt-tokens.service';
import { RefreshTokenDto } from './token.dto';

@ApiTags('tokens')
@UsePipes(authValidationPipe)
@Controller('auth/token')
export class JwtController {
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
    const user = await this.passwordLogin.authenticate(body.email, body.password, request, 'jwt');
    return this.tokens.issue(user);
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
