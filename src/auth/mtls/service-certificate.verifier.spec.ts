import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Repository } from 'typeorm';
import type { RevocationBus, RevocationEvent } from '../core/revocation-bus';
import type { AuthUser, UserStore } from '../core/user-store';
import { PresentedCertificate } from './presented-certificate';
import { ServiceCertificate } from './service-certificate.entity';
import { ServiceCertificateVerifier } from './service-certificate.verifier';

const FINGERPRINT = 'AB'.repeat(32);
const presented: PresentedCertificate = { fingerprint: FINGERPRINT, notBefore: 0, notAfter: Date.now() + 86_400_000 };

/** A verifier over one binding row and one user, counting the look-ups, with a bus whose currency the test sets. */
function setUp(row: Partial<ServiceCertificate> | null = {}, user: Partial<AuthUser> = {}) {
  const state = {
    current: true,
    lookUps: 0,
    row: row && { id: 'c1', userId: 'u1', scopes: ['internal:read'], revokedAt: null, ...row },
    user,
  };
  const handlers: Array<(event: RevocationEvent) => void> = [];
  const certificates = {
    findOne: async ({ where }: { where: { fingerprint: string } }) => {
      state.lookUps++;
      return where.fingerprint === FINGERPRINT ? state.row : null;
    },
  } as unknown as Repository<ServiceCertificate>;
  const users = {
    findById: async (id: string) =>
      id === 'u1'
        ? { id, email: 'svc@example.com', name: null, roles: ['service'], disabled: false, ...state.user }
        : null,
  } as unknown as UserStore;
  const bus = {
    isCurrent: () => state.current,
    subscribe: (handler: (event: RevocationEvent) => void) => handlers.push(handler),
  };
  const verifier = new ServiceCertificateVerifier(certificates, users, bus as unknown as RevocationBus);
  verifier.onModuleInit();
  const publish = (event: RevocationEvent) => handlers.forEach((handler) => handler(event));
  return { verifier, state, publish };
}

describe('ServiceCertificateVerifier', () => {
  it('looks a fingerprint up once, then answers from memory without a promise', async () => {
    const { verifier, state } = setUp();
    const first = await verifier.verify(presented);
    assert.deepEqual(first?.principal, {
      user: { id: 'u1', email: 'svc@example.com', roles: ['service'] },
      via: 'mtls',
      certificateId: 'c1',
      scopes: ['internal:read'],
    });
    const again = verifier.verify(presented);
    assert.ok(!(again instanceof Promise));
    assert.equal(again?.certificateId, 'c1');
    assert.equal(state.lookUps, 1);
    assert.ok(Object.isFrozen(first?.principal.scopes), 'a cached principal is shared between requests');
  });

  it('looks every certificate up while the instance is not current with the revocation log', async () => {
    const { verifier, state } = setUp();
    await verifier.verify(presented);
    state.current = false;
    assert.equal(verifier.cachedAnswer(presented), undefined);
    state.row = null;
    assert.equal(await verifier.verify(presented), null);
    assert.equal(state.lookUps, 2);
  });

  it('drops a binding on its certificate event, and an owner’s on userStatus', async () => {
    const { verifier, state, publish } = setUp();
    await verifier.verify(presented);
    publish({ type: 'certificate', id: 'c1', fingerprint: FINGERPRINT });
    assert.equal(verifier.cachedAnswer(presented), undefined);
    await verifier.verify(presented);
    publish({ type: 'userStatus', id: 'u1', disabled: true });
    assert.equal(verifier.cachedAnswer(presented), undefined);
    assert.equal(state.lookUps, 2);
  });

  it('refuses unknown and revoked bindings and those of a disabled or deleted owner, and keeps the miss briefly', async () => {
    assert.equal(await setUp(null).verifier.verify(presented), null);
    assert.equal(await setUp({ revokedAt: new Date() }).verifier.verify(presented), null);
    assert.equal(await setUp({ userId: 'gone' }).verifier.verify(presented), null);
    const disabled = setUp({}, { disabled: true });
    assert.equal(await disabled.verifier.verify(presented), null);
    assert.equal(disabled.verifier.cachedAnswer(presented), null);
    // Enabling the owner drops the miss, so the certificate works again at once.
    disabled.state.user = {};
    disabled.publish({ type: 'userStatus', id: 'u1', disabled: false });
    assert.equal((await disabled.verifier.verify(presented))?.certificateId, 'c1');
  });

  it('keeps a binding no longer than the certificate is valid', async () => {
    const { verifier } = setUp();
    await verifier.verify({ ...presented, notAfter: Date.now() + 50 });
    assert.ok(verifier.cachedAnswer(presented));
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(verifier.cachedAnswer(presented), undefined);
  });
});
