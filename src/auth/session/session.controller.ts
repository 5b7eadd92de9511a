import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import type { Request, Response } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal, Public } from '../core/auth.decorator';
import { LoginDto } from '../login/credentials.dto';
import { PasswordLogin } from '../login/password-login';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { toPublicUser } from '../core/public-user';
import { SecondStep } from '../core/second-step';
import { CsrfService } from './csrf.service';
import { SessionHandlers } from './session-handlers';
import { SessionsService, SessionView } from './sessions.service';

@ApiTags('sessions')
@AuthRoutes()
@Controller()
export class SessionController {
  constructor(
    private readonly passwordLogin: PasswordLogin,
    private readonly sessions: SessionsService,
    private readonly handlers: SessionHandlers,
    private readonly csrf: CsrfService,
    private readonly audit: AuditLog,
    private readonly secondStep: SecondStep,
  ) {}

  @Public()
  @RateLimitedAuthRoute()
  @Documented('Log in with email and password; starts a session on a new session ID', {
    200: '`{user, csrfToken}` and the session cookie; with MFA on, `{mfaRequired: true, mfaToken, methods}` and no cookie (finish at `POST /auth/login/mfa`)',
    400: 'Malformed body',
    401: 'Invalid email or password (unknown email, wrong password and disabled account alike)',
  })
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const identified = await this.passwordLogin.identify(body.email, body.password, request, 'session');
    const challenge = await this.secondStep.begin(identified, request);
    if (challenge) return challenge;
    const { csrfToken } = await this.sessions.issue(identified, request, response);
    return { user: toPublicUser(identified.user), csrfToken };
  }

  @Auth('session')
  @Documented('End the current session', { 204: 'Session destroyed, cookie cleared', 403: 'Missing CSRF token' })
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const userId = request.session.auth?.userId;
    await this.sessions.end(request);
    this.handlers.clearCookie(request, response);
    await this.audit.record({ type: 'logout', userId, mechanism: 'session', request });
  }

  @Auth('session')
  @Documented('The CSRF token of the current session', { 200: '`{csrfToken}`' })
  @Get('csrf')
  csrfToken(@Req() request: Request) {
    return { csrfToken: this.csrf.tokenFor(request.sessionID) };
  }

  @Auth('session', 'jwt')
  @Documented('The caller’s sessions', {
    200: '`[{id, createdAt, lastSeenAt, expiresAt, ip, userAgent, current}]`',
  })
  @Get('sessions')
  list(@CurrentPrincipal() principal: AuthPrincipal): Promise<SessionView[]> {
    return this.sessions.list(principal.user.id, principal.sessionId);
  }

  @Auth('session', 'jwt')
  @Documented('End one of the caller’s sessions', {
    204: 'Ended on every instance',
    403: 'Missing CSRF token',
    404: 'Not a session of the caller',
  })
  @Delete('sessions/:id')
  @HttpCode(204)
  async revoke(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('Session not found') })) id: string,
  ): Promise<void> {
    await this.sessions.revoke(principal.user.id, id);
  }

  @Auth('session', 'jwt')
  @Documented('End every other session of the caller', { 204: 'Ended', 403: 'Missing CSRF token' })
  @Delete('sessions')
  @HttpCode(204)
  async revokeOthers(@CurrentPrincipal() principal: AuthPrincipal): Promise<void> {
    await this.sessions.revokeAll(principal.user.id, principal.sessionId);
  }
}
