import { TrustedIssuers } from './trusted-issuers';

/** The `mtls` part of AuthModuleOptions. */
export interface MtlsOptions {
  /**
   * PEM of the CA certificates that issue client certificates. Without it the `mtls` mechanism admits
   * nothing. Serving HTTPS is the host's part: create the app with `httpsOptions: { ca: <the same PEM>,
   * requestCert: true, rejectUnauthorized: false }` so that the TLS layer asks for a certificate and
   * checks it, and callers without one still get through to the other mechanisms.
   */
  clientCa?: string;
  /**
   * Behind a TLS-terminating proxy: the request header holding the client certificate as URL-encoded
   * PEM (nginx `$ssl_client_escaped_cert`, Envoy XFCC `Cert="…"`), e.g. `X-Client-Cert`. It is believed
   * only on requests whose peer Express's `trust proxy` trusts, and the certificate is then checked
   * against `clientCa` here. Requires `clientCa`.
   */
  clientCertHeader?: string;
}

export interface ResolvedMtlsOptions {
  /** Null: no client CA, the mechanism admits nothing. */
  issuers: TrustedIssuers | null;
  /** Lower-cased, as Node names incoming headers; null when certificates come only from the TLS layer. */
  clientCertHeader: string | null;
}

export const MTLS_OPTIONS = Symbol('MTLS_OPTIONS');

/** An HTTP field name (RFC 9110 §5.1). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function resolveMtlsOptions(options: MtlsOptions = {}): ResolvedMtlsOptions {
  const issuers = options.clientCa ? TrustedIssuers.fromPem(options.clientCa) : null;
  const header = options.clientCertHeader;
  if (header !== undefined && !HEADER_NAME.test(header)) throw new Error('AuthModule: mtls.clientCertHeader must be an HTTP header name');
  if (header !== undefined && !issuers) throw new Error('AuthModule: mtls.clientCertHeader needs mtls.clientCa to check the certificates');
  return { issuers, clientCertHeader: header?.toLowerCase() ?? null };
}
