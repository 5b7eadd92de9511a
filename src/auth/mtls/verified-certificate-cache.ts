import { AuthPrincipal } from '../core/auth-principal';
import { VerifiedCredentialCache, VerifiedCredentialCacheLimits } from '../core/verified-credential-cache';

/** What a registered certificate resolves to, kept in memory so a request with a known certificate runs no query. */
export interface VerifiedBinding {
  principal: AuthPrincipal;
  certificateId: string;
  userId: string;
}

export type VerifiedCertificateCacheLimits = VerifiedCredentialCacheLimits;

/** Bindings by certificate fingerprint, never past the certificate's `notAfter`. */
export class VerifiedCertificateCache extends VerifiedCredentialCache<VerifiedBinding> {
  set(fingerprint: string, binding: VerifiedBinding, notAfter: number, since: number, now = Date.now()): void {
    this.put(
      fingerprint,
      binding,
      { userId: binding.userId, credentialId: binding.certificateId },
      notAfter,
      since,
      now,
    );
  }

  /** `userId`: the owner of a binding that is not usable now, so that enabling them drops the miss. */
  setMiss(fingerprint: string, userId: string | null, since: number, now = Date.now()): void {
    this.putMiss(fingerprint, userId === null ? null : { userId, credentialId: null }, since, now);
  }
}
