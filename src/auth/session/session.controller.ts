import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, Req, Res, UsePipes } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { authValidationPipe } from '../core/http-hardening';
import type { Request, Response } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal, Public } from '../core/auth.decorator';
import { LoginDto } from '../login/credentials.dto';
import { PasswordLogin } from '../login/password-login';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { toPublicUser } from '../core/public-user';
import { CsrfService } from './csrf.service';
import { SessionHandlers } from './session-handlers';
import { SessionsService, SessionView } from './sessions.service';

@ApiTags('sessions')
@UsePipes(authValidationPipe)
@Controller()
export class SessionController {
  constructor(
    private readonly passwordLogin: PasswordLogin,
    private readonly sessions: SessionsService,
    private readonly handlers: SessionHandlers,
    private readonly csrf: CsrfService,
    private readonly audit: AuditLog,
  ) {}

  @Public()
  @RateLimitedAuthRoute()
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const identified = await this.passwordLogin.identify(body.email, body.password, request, 'session');
    const { csrfToken } = await this.sessions.issue(identified, request, response);
    return { user: toPublicUser(identified.user), csrfToken };
  }

  @Auth('session')
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const userId = request.session.auth?.userId;
    await this.sessions.end(request);
    this.handlers.clearCookie(request, response);
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
  async revoke(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('Session not found') })) id: string,
  ): Promise<void> {
    await this.sessions.revoke(principal.user.id, id);
  }

  @Auth('session', 'jwt')
  @Delete('sessions')
  @HttpCode(204)
  async revokeOthers(@CurrentPrincipal() principal: AuthPrincipal): Promise<void> {
    await this.sessions.revokeAll(principal.user.id, principal.sessionId);
  }
}
