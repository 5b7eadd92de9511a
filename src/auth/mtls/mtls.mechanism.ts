import { Injectable } from '@nestjs/common';
import type { SecuritySchemeObject } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthMechanism } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { runStrategy } from '../core/passport-strategy-runner';
import { ClientCertificates } from './client-certificates';
import { MtlsStrategy } from './mtls.strategy';

declare module '../core/auth-mechanism' {
  interface AuthMechanismNames {
    mtls: true;
  }
}

/** A client certificate bound to a user (`auth_service_certificates`), checked by passport-custom (MtlsStrategy). */
@Injectable()
export class MtlsMechanism implements AuthMechanism {
  readonly name = 'mtls';
  readonly caller = 'service';
  // OpenAPI 3.1's scheme for TLS client certificates; @nestjs/swagger's types know only those of 3.0.
  readonly securityScheme = { type: 'mutualTLS' } as unknown as SecuritySchemeObject;

  constructor(
    private readonly strategy: MtlsStrategy,
    private readonly certificates: ClientCertificates,
  ) {}

  carriesCredential(request: Request): boolean {
    return this.certificates.carries(request);
  }

  authenticate(request: Request): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    return runStrategy<AuthPrincipal>(this.strategy, request);
  }
}
