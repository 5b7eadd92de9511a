import { Body, Controller, Get, HttpCode, Post, Req, UnauthorizedException, UsePipes } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal, Public } from '../core/auth.decorator';
import { authValidationPipe } from '../core/http-hardening';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { RegisterDto } from './credentials.dto';
import { toPublicUser } from './user.entity';
import { UsersService } from './users.service';

@ApiTags('users')
@UsePipes(authValidationPipe)
@Controller('auth')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditLog,
  ) {}

  @Public()
  @RateLimitedAuthRoute()
  @Post('register')
  @HttpCode(201)
  async register(@Body() body: RegisterDto, @Req() request: Request) {
    const user = await this.users.create({ email: body.email, password: body.password, name: body.name });
    this.audit.record({ type: 'user.registered', userId: user.id, mechanism: 'password', request });
    return toPublicUser(user);
  }

  @Auth()
  @Get('me')
  async me(@CurrentPrincipal() principal: AuthPrincipal) {
    const user = await this.users.findById(principal.user.id);
    if (!user || user.disabledAt) throw new UnauthorizedException('Unauthorized');
    return {
      user: toPublicUser(user),
      via: principal.via,
      ...(principal.scopes ? { scopes: principal.scopes } : {}),
    };
  }
}
