import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { RegisterServiceCertificateDto } from './service-certificate.dto';
import {
  RegisteredServiceCertificate,
  ServiceCertificatesService,
  ServiceCertificateView,
} from './service-certificates.service';

/** Any id that is not a UUID is no binding: the same 404 as an unknown one. */
const CERTIFICATE_ID = new ParseUUIDPipe({
  exceptionFactory: () => new NotFoundException('Service certificate not found'),
});

/** Admins bind client certificates to users; a certificate can never register or revoke certificates. */
@ApiTags('admin')
@Auth({ caller: 'user', roles: ['admin'] })
@AuthRoutes()
@Controller('admin/service-certificates')
export class ServiceCertificatesController {
  constructor(
    private readonly certificates: ServiceCertificatesService,
    private readonly audit: AuditLog,
  ) {}

  @Documented("Bind a client certificate, by its SHA-256 fingerprint, to a user; `@Auth('mtls')` then admits it", {
    201: '`{id, userId, fingerprint, name, scopes, createdAt}`',
    400: 'Invalid input',
    403: 'Not an admin, or missing CSRF token',
    404: 'No such user',
    409: 'Fingerprint registered before (revoked ones included)',
  })
  @Post()
  @HttpCode(201)
  async register(
    @Body() body: RegisterServiceCertificateDto,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<RegisteredServiceCertificate> {
    return this.audit.transaction(async (tx) => {
      const registered = await this.certificates.register({ id: body.userId }, body, tx);
      tx.record({
        type: 'service_certificate.registered',
        userId: registered.userId,
        actorId: admin.user.id,
        mechanism: admin.via,
        request,
        detail: { certificateId: registered.id, fingerprint: registered.fingerprint },
      });
      return registered;
    });
  }

  @Documented('Every certificate binding, newest first, revoked ones included', {
    200: '`[{id, userId, fingerprint, name, scopes, createdAt, revokedAt}]`',
    403: 'Not an admin',
  })
  @Get()
  list(): Promise<ServiceCertificateView[]> {
    return this.certificates.list();
  }

  @Documented('Revoke a binding; the certificate stops working on every instance within one second', {
    204: 'Revoked',
    403: 'Not an admin, or missing CSRF token',
    404: 'No such binding',
  })
  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @Param('id', CERTIFICATE_ID) id: string,
    @CurrentPrincipal() admin: AuthPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    await this.audit.transaction(async (tx) => {
      const revoked = await this.certificates.revoke(id, tx);
      tx.record({
        type: 'service_certificate.revoked',
        userId: revoked.userId,
        actorId: admin.user.id,
        mechanism: admin.via,
        request,
        detail: { certificateId: id },
      });
    });
  }
}
