import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { TestPki } from '../../../test/support/certificates';
import { fingerprintOf } from './fingerprint';
import { resolveMtlsOptions } from './mtls.options';
import { TrustedIssuers } from './trusted-issuers';

describe('TrustedIssuers and the mtls options', () => {
  const pki = new TestPki();
  after(() => pki.remove());
  const ca = pki.ca('ca');
  const other = pki.ca('other');
  const x509 = (pem: string) => new X509Certificate(pem);

  it('vouches for a client certificate one of its CAs signed, within the part of its validity the CA covers', () => {
    const issued = ca.issue('alice');
    const vouched = TrustedIssuers.fromPem(other.pem + ca.pem).vouchFor(x509(issued.pem));
    assert.equal(vouched?.fingerprint, fingerprintOf(x509(issued.pem)));
    assert.equal(vouched?.notBefore, Date.parse(x509(ca.pem).validFrom));
    assert.equal(vouched?.notAfter, Date.parse(x509(issued.pem).validTo));
  });

  it('refuses a certificate of another CA, a CA certificate, and one not meant for TLS clients', () => {
    const issuers = TrustedIssuers.fromPem(ca.pem);
    assert.equal(issuers.vouchFor(x509(other.issue('mallory').pem)), null);
    assert.equal(issuers.vouchFor(x509(ca.pem)), null);
    assert.equal(issuers.vouchFor(x509(ca.issue('web', { kind: 'server' }).pem)), null);
  });

  it('refuses a client CA bundle that is empty, garbage, or holds a certificate that is not a CA', () => {
    assert.throws(() => resolveMtlsOptions({ clientCa: 'nothing here' }), /one or more PEM certificates/);
    assert.throws(
      () => resolveMtlsOptions({ clientCa: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }),
      /not a certificate/,
    );
    assert.throws(() => resolveMtlsOptions({ clientCa: ca.issue('leaf').pem }), /not a CA/);
  });

  it('refuses a header without a client CA, or a header name that is none', () => {
    assert.throws(() => resolveMtlsOptions({ clientCertHeader: 'X-Client-Cert' }), /needs mtls.clientCa/);
    assert.throws(
      () => resolveMtlsOptions({ clientCa: ca.pem, clientCertHeader: 'X Client Cert' }),
      /HTTP header name/,
    );
    assert.throws(
      () => resolveMtlsOptions({ clientCa: ca.pem, clientCertHeader: 'X-Client-Cert' }),
      /needs mtls.trustedProxies/,
    );
    assert.throws(
      () =>
        resolveMtlsOptions({ clientCa: ca.pem, clientCertHeader: 'X-Client-Cert', trustedProxies: ['10.0.0.0/40'] }),
      /mtls.trustedProxies: not an IP address or CIDR: 10.0.0.0\/40/,
    );
    assert.deepEqual(resolveMtlsOptions(), { issuers: null, clientCertHeader: null, trustedProxies: null });
    assert.equal(
      resolveMtlsOptions({ clientCa: ca.pem, clientCertHeader: 'X-Client-Cert', trustedProxies: ['127.0.0.1'] })
        .clientCertHeader,
      'x-client-cert',
    );
  });
});
