import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { Request } from 'express';
import { TestPki } from '../../../test/support/certificates';
import { ClientCertificates } from './client-certificates';
import { fingerprintOf } from './fingerprint';
import { resolveMtlsOptions } from './mtls.options';

interface FakeConnection {
  encrypted?: boolean;
  authorized?: boolean;
  peer?: string;
  remoteAddress?: string;
}

/** A request as Express hands it over: its connection, headers, and the app's `trust proxy` function. */
function fakeRequest(
  connection: FakeConnection,
  headers: Record<string, string> = {},
  trusted: (address: string) => boolean = () => false,
) {
  const socket = {
    encrypted: connection.encrypted,
    authorized: connection.authorized ?? false,
    remoteAddress: connection.remoteAddress ?? '127.0.0.1',
    getPeerX509Certificate: () => (connection.peer ? new X509Certificate(connection.peer) : undefined),
  };
  return {
    socket,
    headers,
    app: { get: (name: string) => (name === 'trust proxy fn' ? trusted : undefined) },
  } as unknown as Request;
}

describe('ClientCertificates', () => {
  const pki = new TestPki();
  after(() => pki.remove());
  const ca = pki.ca('ca');
  const other = pki.ca('other');
  const alice = ca.issue('alice');
  const mallory = other.issue('mallory');
  const fingerprint = fingerprintOf(new X509Certificate(alice.pem));
  const direct = new ClientCertificates(resolveMtlsOptions({ clientCa: ca.pem }));
  const proxied = new ClientCertificates(
    resolveMtlsOptions({
      clientCa: ca.pem,
      clientCertHeader: 'X-Client-Cert',
      trustedProxies: ['10.0.0.1', 'fd00::/64'],
    }),
  );

  it('takes the certificate of a TLS connection the TLS layer authorized, when a client CA issued it', () => {
    const request = fakeRequest({ encrypted: true, authorized: true, peer: alice.pem });
    assert.equal(direct.carries(request), true);
    assert.equal(direct.verifiedOf(request)?.fingerprint, fingerprint);
  });

  it('refuses one the TLS layer did not authorize, and one it authorized against a CA that is not a client CA', () => {
    const unauthorized = fakeRequest({ encrypted: true, authorized: false, peer: alice.pem });
    assert.equal(direct.carries(unauthorized), true);
    assert.equal(direct.verifiedOf(unauthorized), null);
    // A server whose `ca` trusts more than the client CA (the default Mozilla roots, say) authorizes this one; the mechanism does not.
    assert.equal(direct.verifiedOf(fakeRequest({ encrypted: true, authorized: true, peer: mallory.pem })), null);
  });

  it('finds no certificate on a plain connection, nor on a TLS connection without one, nor with no client CA', () => {
    assert.equal(direct.carries(fakeRequest({})), false);
    assert.equal(direct.carries(fakeRequest({ encrypted: true })), false);
    const none = new ClientCertificates(resolveMtlsOptions());
    const request = fakeRequest({ encrypted: true, authorized: true, peer: alice.pem });
    assert.equal(none.carries(request), false);
    assert.equal(none.verifiedOf(request), null);
  });

  it('checks the validity period on every request, past the verdict it keeps per connection', () => {
    const request = fakeRequest({ encrypted: true, authorized: true, peer: alice.pem });
    const certificate = direct.verifiedOf(request);
    assert.ok(certificate);
    assert.equal(direct.verifiedOf(request, certificate.notAfter + 1), null);
    assert.equal(direct.verifiedOf(request, certificate.notBefore - 1), null);
  });

  it('believes the header only from a socket peer in trustedProxies, never from what `trust proxy` trusts, and then only what a client CA issued', () => {
    const header = { 'x-client-cert': encodeURIComponent(alice.pem) };
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', 'fd00::7']) {
      const fromProxy = fakeRequest({ remoteAddress: address }, header);
      assert.equal(proxied.carries(fromProxy), true, address);
      assert.equal(proxied.verifiedOf(fromProxy)?.fingerprint, fingerprint, address);
    }
    for (const address of ['10.0.0.2', 'fd00:0:0:1::7', '127.0.0.1', '']) {
      const fromElsewhere = fakeRequest({ remoteAddress: address }, header, () => true);
      assert.equal(proxied.carries(fromElsewhere), false, address);
      assert.equal(proxied.verifiedOf(fromElsewhere), null, address);
    }
    assert.equal(
      direct.verifiedOf(fakeRequest({ remoteAddress: '10.0.0.1' }, header)),
      null,
      'a header nobody configured is never read',
    );
    const forged = fakeRequest({ remoteAddress: '10.0.0.1' }, { 'x-client-cert': encodeURIComponent(mallory.pem) });
    assert.equal(proxied.verifiedOf(forged), null);
  });

  it('through a trusted proxy, takes the header and never the proxy’s own connection certificate', () => {
    const request = fakeRequest({ encrypted: true, authorized: true, peer: alice.pem, remoteAddress: '10.0.0.1' });
    assert.equal(proxied.carries(request), false);
    assert.equal(proxied.verifiedOf(request), null);
  });
});
