import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { JwtKeyRing } from './jwt-key-ring';
import { keyForToken } from './token-header';

const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ring = new JwtKeyRing({
  algorithm: 'ES256',
  signingKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  verificationKeys: [],
});
const token = (header: unknown) => `${Buffer.from(JSON.stringify(header)).toString('base64url')}.e30.sig`;
const good = { alg: 'ES256', typ: 'at+jwt', kid: ring.signingKid };

describe('keyForToken', () => {
  it('returns our key for a header naming it with its algorithm and the access-token type', () => {
    assert.equal(keyForToken(token(good), ring)?.kid, ring.signingKid);
    assert.ok(keyForToken(token({ ...good, typ: 'application/AT+JWT' }), ring));
  });

  for (const [label, header] of [
    ['another algorithm', { ...good, alg: 'HS256' }],
    ['alg none', { ...good, alg: 'none' }],
    ['an unknown kid', { ...good, kid: 'nope' }],
    ['no kid', { alg: 'ES256', typ: 'at+jwt' }],
    ['typ JWT', { ...good, typ: 'JWT' }],
    ['no typ', { alg: 'ES256', kid: ring.signingKid }],
    ['an embedded jwk', { ...good, jwk: { kty: 'EC' } }],
    ['a jku', { ...good, jku: 'https://example.com' }],
    ['an x5c', { ...good, x5c: ['MII'] }],
    ['crit', { ...good, crit: ['exp'] }],
    ['an array header', [good]],
    ['a null header', null],
  ] as const) {
    it(`refuses ${label}`, () => assert.equal(keyForToken(token(header), ring), null));
  }

  it('refuses wrong segment counts, bad base64 and huge headers', () => {
    assert.equal(keyForToken('a.b', ring), null);
    assert.equal(keyForToken(`${token(good)}.x`, ring), null);
    assert.equal(keyForToken('!!!.e30.sig', ring), null);
    assert.equal(keyForToken(token({ ...good, pad: 'x'.repeat(2000) }), ring), null);
  });
});
