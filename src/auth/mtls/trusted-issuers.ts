import { X509Certificate } from 'node:crypto';
import { PresentedCertificate, presentedCertificateOf } from './presented-certificate';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** Extended key usage `clientAuth` (RFC 5280 §4.2.1.12). */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * The CAs whose client certificates the mechanism accepts (`mtls.clientCa`). Each one is trusted as
 * an issuer by itself: a client certificate must be signed directly by one of them, so an
 * intermediate CA that issues client certificates belongs in the bundle too.
 */
export class TrustedIssuers {
  private constructor(private readonly authorities: X509Certificate[]) {}

  /** Parses a PEM bundle; throws unless it holds at least one certificate, and only CA certificates. */
  static fromPem(pem: string): TrustedIssuers {
    const blocks = pem.match(PEM_CERTIFICATE) ?? [];
    if (!blocks.length) throw new Error('AuthModule: mtls.clientCa must hold one or more PEM certificates');
    const authorities = blocks.map((block) => {
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(block);
      } catch {
        throw new Error('AuthModule: mtls.clientCa holds a block that is not a certificate');
      }
      if (!certificate.ca)
        throw new Error(`AuthModule: mtls.clientCa holds a certificate that is not a CA (${certificate.subject})`);
      return certificate;
    });
    return new TrustedIssuers(authorities);
  }

  /**
   * The certificate as the mechanism sees it, when one of the CAs signed it and it may authenticate a
   * TLS client; null otherwise. Its validity period is the part of its own that its issuer's covers,
   * checked by the caller on every request: the verdict is kept for as long as the connection or the
   * header value comes back.
   */
  vouchFor(certificate: X509Certificate): PresentedCertificate | null {
    if (certificate.ca) return null;
    const usages = certificate.keyUsage;
    if (usages && !usages.includes(CLIENT_AUTH)) return null;
    const issuer = this.authorities.find(
      (authority) => certificate.checkIssued(authority) && certificate.verify(authority.publicKey),
    );
    if (!issuer) return null;
    const own = presentedCertificateOf(certificate);
    const issuers = presentedCertificateOf(issuer);
    return {
      fingerprint: own.fingerprint,
      notBefore: Math.max(own.notBefore, issuers.notBefore),
      notAfter: Math.min(own.notAfter, issuers.notAfter),
    };
  }
}
