import { BadRequestException, Body, Controller, HttpCode, Post, Req, UsePipes } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { authValidationPipe } from '../core/http-hardening';
import { UsersService } from '../users/users.service';
import { CredentialRevocation } from './credential-revocation.service';
import { PasswordChangeDto } from './password-change.dto';

@ApiTags('account')
@UsePipes(authValidationPipe)
@Controller('auth')
export class AccountsController {
  constructor(
    private readonly users: UsersService,
    private readonly revocation: CredentialRevocation,
    private readonly audit: AuditLog,
  ) {}

  @Auth('session', 'jwt')
  @Post('password')
  @HttpCode(204)
  async changePassword(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() body: PasswordChangeDto,
    @Req() request: Request,
  ): Promise<void> {
    if (!(await this.users.verifyPassword(principal.user.id, body.currentPassword))) {
      throw new BadRequestException('Current password is incorrect');
    }
    await this.users.setPassword(principal.user.id, body.newPassword);
    await this.revocation.endAllForUser(principal.user.id, principal.via === 'session' ? principal.sessionId : undefined);
    this.audit.record({ type: 'password.changed', userId: principal.user.id, mechanism: principal.via, request });
  }

  @Auth('session', 'jwt')
  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@CurrentPrincipal() principal: AuthPrincipal, @Req() request: Request): Promise<void> {
    await this.revocation.endAllForUser(principal.user.id);
    this.audit.record({ type: 'logout_all', userId: principal.user.id, mechanism: principal.via, request });
  }
}
