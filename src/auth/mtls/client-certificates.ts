import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { pemFromCertificateHeader } from './client-certificate-header';
import { MTLS_OPTIONS, ResolvedMtlsOptions } from './mtls.options';
import { isWithinValidity, PresentedCertificate } from './presented-certificate';
import { TrustedIssuers } from './trusted-issuers';
import { TrustedProxies } from './trusted-proxies';

/** A TLS connection that sent no certificate, or one no trusted CA issued. */
type Refused = 'none' | 'untrusted';

/** Distinct header values whose certificate passed the issuer check, remembered so a proxied caller costs no signature check per request. */
const MAX_REMEMBERED_HEADERS = 1_000;

/**
 * Finds the client certificate of a request and checks who issued it: from the TLS connection (the
 * TLS layer verified the chain and that the client holds the key), or, on a request that came
 * through a trusted proxy, from the proxy's header. Parsing and the issuer's signature are checked
 * once per connection or header value; the validity period on every request.
 */
@Injectable()
export class ClientCertificates {
  private readonly issuers: TrustedIssuers | null;
  private readonly header: string | null;
  private readonly proxies: TrustedProxies | null;
  private readonly bySocket = new WeakMap<object, PresentedCertificate | Refused>();
  private readonly byHeaderValue = new Map<string, PresentedCertificate>();

  constructor(@Inject(MTLS_OPTIONS) options: ResolvedMtlsOptions) {
    this.issuers = options.issuers;
    this.header = options.clientCertHeader;
    this.proxies = options.trustedProxies;
  }

  /** Whether the request carries a client certificate at all; without a client CA none counts. */
  carries(request: Request): boolean {
    if (!this.issuers) return false;
    if (this.cameThroughTrustedProxy(request)) return request.headers[this.header as string] !== undefined;
    return this.fromConnection(request, this.issuers) !== 'none';
  }

  /** The request's client certificate if a trusted CA issued it and it is within its validity now; null otherwise. */
  verifiedOf(request: Request, now = Date.now()): PresentedCertificate | null {
    if (!this.issuers) return null;
    const found = this.cameThroughTrustedProxy(request)
      ? this.fromHeader(request, this.issuers)
      : this.fromConnection(request, this.issuers);
    return typeof found === 'object' && found !== null && isWithinValidity(found, now) ? found : null;
  }

  /**
   * Behind a proxy that terminates TLS, its header is the client's certificate; from any other peer
   * the header is ignored. The socket's address decides: `trust proxy` would also trust hops named
   * in X-Forwarded-For, which the client writes.
   */
  private cameThroughTrustedProxy(request: Request): boolean {
    return !!this.header && !!this.proxies && this.proxies.includes(request.socket.remoteAddress);
  }

  private fromConnection(request: Request, issuers: TrustedIssuers): PresentedCertificate | Refused {
    const socket = request.socket as TLSSocket;
    let known = this.bySocket.get(socket);
    if (known === undefined) this.bySocket.set(socket, (known = this.readConnection(socket, issuers)));
    return known;
  }

  private readConnection(socket: TLSSocket, issuers: TrustedIssuers): PresentedCertificate | Refused {
    if (!socket.encrypted) return 'none';
    const certificate = socket.getPeerX509Certificate();
    if (!certificate) return 'none';
    // `authorized`: the chain checked out against the server's `ca`; the issuer check holds even if that `ca` trusts more.
    return (socket.authorized && issuers.vouchFor(certificate)) || 'untrusted';
  }

  private fromHeader(request: Request, issuers: TrustedIssuers): PresentedCertificate | null {
    const value = request.headers[this.header as string];
    if (typeof value !== 'string') return null;
    const known = this.byHeaderValue.get(value);
    if (known) return known;
    const pem = pemFromCertificateHeader(value);
    if (!pem) return null;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      return null;
    }
    const vouched = issuers.vouchFor(certificate);
    if (vouched) this.remember(value, vouched);
    return vouched;
  }

  private remember(value: string, certificate: PresentedCertificate): void {
    if (this.byHeaderValue.size >= MAX_REMEMBERED_HEADERS)
      this.byHeaderValue.delete(this.byHeaderValue.keys().next().value as string);
    this.byHeaderValue.set(value, certificate);
  }
}
