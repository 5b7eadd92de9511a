import type { X509Certificate } from 'node:crypto';

/** A SHA-256 certificate fingerprint as people copy it: uppercase hex, in colon-separated pairs or not. */
export const FINGERPRINT_PATTERN = /^(?:[0-9A-F]{64}|[0-9A-F]{2}(?::[0-9A-F]{2}){31})$/;

/** The stored form of a fingerprint (64 uppercase hex digits, no colons), or null when it is not one. */
export function normalizeFingerprint(input: string): string | null {
  return FINGERPRINT_PATTERN.test(input) ? input.replace(/:/g, '') : null;
}

/** The stored form of the certificate's SHA-256 fingerprint (of its DER encoding). */
export function fingerprintOf(certificate: X509Certificate): string {
  return certificate.fingerprint256.replace(/:/g, '');
}
