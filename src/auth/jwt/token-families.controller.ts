import { Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { JwtTokensService } from './jwt-tokens.service';

const notFound = () => new NotFoundException('Token family not found');

/** The caller's signed-in apps: one refresh-token family per sign-in of a mobile app or SPA. */
@ApiTags('tokens')
@AuthRoutes()
@Controller('token-families')
export class TokenFamiliesController {
  constructor(private readonly tokens: JwtTokensService) {}

  @Auth({ caller: 'user' })
  @Documented('The caller’s signed-in apps (live refresh-token families), never a token', {
    200: '`[{id, createdAt, lastUsedAt, expiresAt, userAgent, ip, current}]`',
  })
  @Get()
  async list(@CurrentPrincipal() principal: AuthPrincipal) {
    const families = await this.tokens.listFamilies(principal.user.id, principal.tokenFamilyId);
    return families.map(({ actorId, ...family }) => ({ ...family, madeByAdmin: actorId !== null }));
  }

  @Auth({ caller: 'user' })
  @Documented('Sign one app out: its refresh tokens and access tokens stop working on every instance within a second', {
    204: 'Ended',
    403: 'Missing CSRF token',
    404: 'Not a live family of the caller',
  })
  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: notFound })) id: string,
    @Req() request: Request,
  ): Promise<void> {
    if (!(await this.tokens.revokeFamilyOf(principal.user.id, id, request, principal.actor?.id))) throw notFound();
  }
}
