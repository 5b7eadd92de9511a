import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UsePipes } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal, Public } from '../core/auth.decorator';
import { authValidationPipe } from '../core/http-hardening';
import { AuditLog } from '../audit/audit-log.service';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { LoginDto } from '../users/credentials.dto';
import { PasswordLogin } from '../users/password-login';
import { toPublicUser } from '../users/user.entity';
import { CsrfService } from './csrf.service';
import { SessionMiddleware } from './session.middleware';
import { SessionsService, SessionView } from './sessions.service';

export { INVALID_CREDENTIALS } from '../users/password-login';

@ApiTags('sessions')
@UsePipes(authValidationPipe)
@Controller('auth')
export class SessionController {
  constructor(
    private readonly passwordLogin: PasswordLogin,
    private readonly sessions: SessionsService,
    private readonly csrf: CsrfService,
    private readonly cookies: SessionMiddleware,
    private readonly audit: AuditLog,
  ) {}

  @Public()
  @RateLimitedAuthRoute()
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const user = await this.passwordLogin.authenticate(body.email, body.password, request, 'session');
    await this.cookies.ensureSession(request, response);
    await this.sessions.start(request, user);
    return { user: toPublicUser(user), csrfToken: this.csrf.tokenFor(request.sessionID) };
  }

  @Auth('session')
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const userId = request.session.auth?.userId;
    await this.sessions.end(request);
    this.cookies.clearCookie(request, response);
    this.audit.record({ type: 'logout', userId, mechanism: 'session', request });
  }

  @Auth('session')
  @Get('csrf')
  csrfToken(@Req() request: Request) {
    return { csrfToken: this.csrf.tokenFor(request.sessionID) };
  }

  @Auth('session', 'jwt')
  @Get('sessions')
  list(@CurrentPrincipal() principal: AuthPrincipal): Promise<SessionView[]> {
    return this.sessions.list(principal.user.id, principal.sessionId);
  }

  @Auth('session', 'jwt')
  @Delete('sessions/:id')
  @HttpCode(204)
  async revoke(@CurrentPrincipal() principal: AuthPrincipal, @Param('id') id: string): Promise<void> {
    await this.sessions.revoke(principal.user.id, id);
  }

  @Auth('session', 'jwt')
  @Delete('sessions')
  @HttpCode(204)
  async revokeOthers(@CurrentPrincipal() principal: AuthPrincipal): Promise<void> {
    await this.sessions.revokeAll(principal.user.id, principal.sessionId);
  }
}
