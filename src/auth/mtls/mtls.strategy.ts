import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { AuthPrincipal } from '../core/auth-principal';
import { privatePassportInstance } from '../core/passport-strategy-runner';
import { ClientCertificates } from './client-certificates';
import { ServiceCertificateVerifier } from './service-certificate.verifier';

/**
 * A client certificate: issued by a trusted CA (checked by the TLS layer and again here, or here
 * alone when a trusted proxy forwards it), within its validity, and registered. Every refusal is the
 * same 401, whatever the reason.
 */
@Injectable()
export class MtlsStrategy extends PassportStrategy(Strategy, 'mtls') {
  // Passport's actions, which passport-custom's types leave out; `runStrategy` provides them per request.
  declare success: (user: AuthPrincipal) => void;
  declare fail: (status?: number) => void;

  constructor(
    private readonly certificates: ClientCertificates,
    private readonly verifier: ServiceCertificateVerifier,
  ) {
    super();
  }

  getPassportInstance() {
    return privatePassportInstance();
  }

  /** A certificate memory knows is answered at once, with no promise; any other goes passport-custom's way, to `validate`. */
  authenticate(request: Request, options?: object): void {
    const certificate = this.certificates.verifiedOf(request);
    if (!certificate) return this.fail(401);
    const known = this.verifier.cachedAnswer(certificate);
    if (known === undefined) return super.authenticate(request, options);
    if (known) this.success(known.principal);
    else this.fail(401);
  }

  validate(request: Request): AuthPrincipal | null | Promise<AuthPrincipal | null> {
    const certificate = this.certificates.verifiedOf(request);
    if (!certificate) return null;
    const binding = this.verifier.verify(certificate);
    return binding instanceof Promise
      ? binding.then((found) => found?.principal ?? null)
      : (binding?.principal ?? null);
  }
}
