import { Body, Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import type { Request } from 'express';
import { Public } from '../core/auth.decorator';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { JwtTokensService, TokenPair } from './jwt-tokens.service';
import { RefreshTokenDto } from './token.dto';

@ApiTags('tokens')
@AuthRoutes()
@Controller('token')
export class TokensController {
  constructor(private readonly tokens: JwtTokensService) {}

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
  @RateLimitedAuthRoute({ whenCounterDown: 'admit' })
  @Documented('End the family of a refresh token (RFC 7009)', {
    200: 'Always, known token or not',
    400: 'Malformed body',
  })
  @Post('revoke')
  @HttpCode(200)
  async revoke(@Body() body: RefreshTokenDto, @Req() request: Request): Promise<void> {
    await this.tokens.revoke(body.refresh_token, request);
  }
}
