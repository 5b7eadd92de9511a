import {
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import type { Request, Response } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { CsrfService } from './csrf.service';
import { SessionHandlers } from './session-handlers';
import { SessionsService, SessionView } from './sessions.service';

@ApiTags('sessions')
@AuthRoutes()
@Controller()
export class SessionController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly handlers: SessionHandlers,
    private readonly csrf: CsrfService,
    private readonly audit: AuditLog,
  ) {}

  @Auth('session')
  @Documented('End the current session', { 204: 'Session destroyed, cookie cleared', 403: 'Missing CSRF token' })
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const userId = request.session.auth?.userId;
    await this.sessions.end(request, 'ended');
    this.handlers.clearCookie(request, response);
    await this.audit.record({ type: 'logout', userId, mechanism: 'session', request });
  }

  @Auth('session')
  @Documented('The CSRF token of the current session', { 200: '`{csrfToken}`' })
  @Get('csrf')
  csrfToken(@Req() request: Request) {
    return { csrfToken: this.csrf.tokenFor(request.sessionID) };
  }

  @Auth({ caller: 'user' })
  @Documented('The caller’s sessions', {
    200: '`[{id, createdAt, lastSeenAt, expiresAt, ip, userAgent, current}]`',
  })
  @Get('sessions')
  list(@CurrentPrincipal() principal: AuthPrincipal): Promise<SessionView[]> {
    return this.sessions.list(principal.user.id, principal.sessionId);
  }

  @Auth({ caller: 'user' })
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

  @Auth({ caller: 'user' })
  @Documented('End every other session of the caller', { 204: 'Ended', 403: 'Missing CSRF token' })
  @Delete('sessions')
  @HttpCode(204)
  async revokeOthers(@CurrentPrincipal() principal: AuthPrincipal): Promise<void> {
    await this.sessions.revokeAll(principal.user.id, principal.sessionId);
  }
}
