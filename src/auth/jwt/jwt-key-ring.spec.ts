import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { JwtKeyRing } from './jwt-key-ring';

const ec = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const privatePem = (pair: ReturnType<typeof ec>) => pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const publicPem = (pair: ReturnType<typeof ec>) => pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();

describe('JwtKeyRing', () => {
  it('derives the same kid from the same key, so instances agree without coordination', () => {
    const pair = ec();
    const a = new JwtKeyRing({ algorithm: 'ES256', signingKey: privatePem(pair), verificationKeys: [] });
    const b = new JwtKeyRing({ algorithm: 'ES256', signingKey: privatePem(pair), verificationKeys: [] });
    assert.equal(a.signingKid, b.signingKid);
    assert.equal(a.find(a.signingKid)?.alg, 'ES256');
  });

  it('finds only its own keys, each with its one algorithm', () => {
    const current = ec();
    const previous = ec();
    const ring = new JwtKeyRing({
      algorithm: 'ES256',
      signingKey: privatePem(current),
      verificationKeys: [publicPem(previous)],
    });
    assert.equal(ring.publicJwks().length, 2);
    assert.deepEqual(ring.algorithms, ['ES256']);
    assert.equal(ring.find('unknown'), undefined);
    assert.equal(ring.find(undefined), undefined);
    assert.equal(ring.find({ toString: () => ring.signingKid }), undefined);
    for (const jwk of ring.publicJwks()) {
      assert.equal(jwk.d, undefined);
      assert.equal(jwk.use, 'sig');
    }
  });

  it('never lists HS256 secrets, and does not derive their kid from a plain hash', () => {
    const ring = new JwtKeyRing({ algorithm: 'HS256', signingKey: 's'.repeat(40), verificationKeys: ['t'.repeat(40)] });
    assert.deepEqual(ring.publicJwks(), []);
    assert.deepEqual(ring.algorithms, ['HS256']);
    assert.notEqual(ring.signingKid, '');
  });

  it('refuses a key that does not fit the configured algorithm, and short secrets', () => {
    assert.throws(
      () => new JwtKeyRing({ algorithm: 'RS256', signingKey: privatePem(ec()), verificationKeys: [] }),
      /RS256/,
    );
    assert.throws(
      () => new JwtKeyRing({ algorithm: 'ES256', signingKey: privatePem(ec()), verificationKeys: ['short'] }),
      /32 bytes/,
    );
  });
});
