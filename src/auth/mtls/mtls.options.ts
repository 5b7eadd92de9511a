import { TrustedIssuers } from './trusted-issuers';
import { TrustedProxies } from './trusted-proxies';

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
   * only on requests whose socket peer is in `trustedProxies` (Express's `trust proxy` plays no part),
   * and the certificate is then checked against `clientCa` here. Requires `clientCa` and `trustedProxies`.
   */
  clientCertHeader?: string;
  /** IPs or CIDRs (IPv4 or IPv6) of the proxies that set `clientCertHeader`; required with it. */
  trustedProxies?: readonly string[];
}

export interface ResolvedMtlsOptions {
  /** Null: no client CA, the mechanism admits nothing. */
  issuers: TrustedIssuers | null;
  /** Lower-cased, as Node names incoming headers; null when certificates come only from the TLS layer. */
  clientCertHeader: string | null;
  /** Null exactly when `clientCertHeader` is. */
  trustedProxies: TrustedProxies | null;
}

export const MTLS_OPTIONS = Symbol('MTLS_OPTIONS');

/** An HTTP field name (RFC 9110 §5.1). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function resolveMtlsOptions(options: MtlsOptions = {}): ResolvedMtlsOptions {
  const issuers = options.clientCa ? TrustedIssuers.fromPem(options.clientCa) : null;
  const header = options.clientCertHeader;
  if (header !== undefined && !HEADER_NAME.test(header))
    throw new Error('AuthModule: mtls.clientCertHeader must be an HTTP header name');
  if (header !== undefined && !issuers)
    throw new Error('AuthModule: mtls.clientCertHeader needs mtls.clientCa to check the certificates');
  if (header !== undefined && !options.trustedProxies?.length) {
    throw new Error(
      'AuthModule: mtls.clientCertHeader needs mtls.trustedProxies, the addresses of the proxies that set it',
    );
  }
  let trustedProxies: TrustedProxies | null = null;
  if (header !== undefined) {
    try {
      trustedProxies = TrustedProxies.parse(options.trustedProxies as readonly string[]);
    } catch (error) {
      throw new Error(`AuthModule: mtls.trustedProxies: ${(error as Error).message}`);
    }
  }
  return { issuers, clientCertHeader: header?.toLowerCase() ?? null, trustedProxies };
}
