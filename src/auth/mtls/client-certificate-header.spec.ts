import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CERTIFICATE_HEADER_LENGTH, pemFromCertificateHeader } from './client-certificate-header';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB+zCCAaGgAwIBAgIU=\n-----END CERTIFICATE-----\n';
const ESCAPED = encodeURIComponent(PEM);

describe('pemFromCertificateHeader', () => {
  it('decodes nginx $ssl_client_escaped_cert', () => {
    assert.equal(pemFromCertificateHeader(ESCAPED), PEM);
  });

  it('takes Cert="…" of a single-element XFCC header, wherever it stands and quoted or not', () => {
    assert.equal(pemFromCertificateHeader(`By=spiffe://a/b;Hash=abc;Cert="${ESCAPED}";Subject="CN=x,O=y;z"`), PEM);
    assert.equal(pemFromCertificateHeader(`Subject="CN=x,O=y";cert=${ESCAPED}`), PEM);
    assert.equal(pemFromCertificateHeader(`Cert="${ESCAPED}";Chain="${ESCAPED}"`), PEM);
  });

  it('refuses an XFCC header of several elements, one without Cert, and undecodable text', () => {
    assert.equal(pemFromCertificateHeader(`Cert="${ESCAPED}",Cert="${ESCAPED}"`), null);
    assert.equal(pemFromCertificateHeader('By=spiffe://a/b;Hash=abc'), null);
    assert.equal(pemFromCertificateHeader('-----BEGIN%zz'), null);
    assert.equal(pemFromCertificateHeader(''), null);
  });

  it('refuses a header longer than any certificate before parsing it', () => {
    assert.equal(pemFromCertificateHeader(ESCAPED + ' '.repeat(MAX_CERTIFICATE_HEADER_LENGTH)), null);
  });
});
