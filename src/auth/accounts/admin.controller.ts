import { Controller, Get, HttpCode, NotFoundException, Param, Post, Query, Req, UsePipes } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { authValidationPipe } from '../core/http-hardening';
import { RevocationBus } from '../core/revocation-bus';
import { UsersService } from '../users/users.service';
import { AuditQueryDto } from './audit-query.dto';
import { CredentialRevocation } from './credential-revocation.service';

@ApiTags('admin')
@Auth('session', 'jwt', { roles: ['admin'] })
@UsePipes(authValidationPipe)
@Controller('auth/admin')
export class AdminController {
  constructor(
    private readonly users: UsersService,
    private readonly revocation: CredentialRevocation,
    private readonly bus: RevocationBus,
    private readonly audit: AuditLog,
  ) {}

  /** Every session, refresh family, access token and API key of the user stops working on every instance. */
  @Post('users/:id/disable')
  @HttpCode(204)
  async disable(@Param('id') id: string, @CurrentPrincipal() admin: AuthPrincipal, @Req() request: Request): Promise<void> {
    if (!(await this.users.setDisabled(id, true))) throw new NotFoundException('User not found');
    await this.bus.publish({ type: 'userStatus', id, disabled: true });
    await this.revocation.endAllForUser(id);
    this.audit.record({ type: 'user.disabled', userId: id, actorId: admin.user.id, mechanism: admin.via, request });
  }

  @Post('users/:id/enable')
  @HttpCode(204)
  async enable(@Param('id') id: string, @CurrentPrincipal() admin: AuthPrincipal, @Req() request: Request): Promise<void> {
    if (!(await this.users.setDisabled(id, false))) throw new NotFoundException('User not found');
    await this.bus.publish({ type: 'userStatus', id, disabled: false });
    this.audit.record({ type: 'user.enabled', userId: id, actorId: admin.user.id, mechanism: admin.via, request });
  }

  @Get('audit')
  auditEvents(@Query() query: AuditQueryDto) {
    return this.audit.query({ userId: query.userId, type: query.type, limit: query.limit ?? 100 });
  }
}
