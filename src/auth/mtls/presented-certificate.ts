import type { X509Certificate } from 'node:crypto';
import { fingerprintOf } from './fingerprint';

/** What the mechanism needs of a client certificate once its issuer is checked: whose it is, and when it may be used. */
export interface PresentedCertificate {
  /** 64 uppercase hex digits. */
  fingerprint: string;
  /** Epoch ms: the validity period of the certificate, within its issuer's. */
  notBefore: number;
  notAfter: number;
}

export function presentedCertificateOf(certificate: X509Certificate): PresentedCertificate {
  return {
    fingerprint: fingerprintOf(certificate),
    notBefore: Date.parse(certificate.validFrom),
    notAfter: Date.parse(certificate.validTo),
  };
}

export function isWithinValidity(certificate: PresentedCertificate, now = Date.now()): boolean {
  return now >= certificate.notBefore && now <= certificate.notAfter;
}
