import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuthPrincipal } from '../core/auth-principal';
import { deepFreeze } from '../core/deep-freeze';
import { RevocationBus, RevocationEvent } from '../core/revocation-bus';
import { USER_STORE, UserStore } from '../core/user-store';
import { PresentedCertificate } from './presented-certificate';
import { ServiceCertificate } from './service-certificate.entity';
import { VerifiedBinding, VerifiedCertificateCache } from './verified-certificate-cache';

declare module '../core/revocation-bus' {
  interface RevocationEvents {
    /** A certificate binding was revoked, or registered (so that a cached miss of its fingerprint goes). */
    certificate: { id: string; fingerprint: string };
  }
}

const CACHE_TTL_MS = 30_000;
// A miss is cached only briefly: it spares the database a client retrying a certificate nobody registered.
const NEGATIVE_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 10_000;

interface LookUp {
  binding: VerifiedBinding | null;
  /** The owner of a binding that matched but is not usable, so that their entry goes when they are enabled. */
  ownerId: string | null;
}

/**
 * Turns a verified client certificate into the principal it is bound to, or null. Known fingerprints
 * are answered from memory, so the request path runs no query; while this instance may have missed
 * a revocation (`bus.isCurrent()` false), every certificate is looked up.
 */
@Injectable()
export class ServiceCertificateVerifier implements OnModuleInit {
  private readonly cache = new VerifiedCertificateCache({
    ttlMs: CACHE_TTL_MS,
    negativeTtlMs: NEGATIVE_TTL_MS,
    maxEntries: CACHE_MAX_ENTRIES,
  });

  constructor(
    @InjectRepository(ServiceCertificate) private readonly certificates: Repository<ServiceCertificate>,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly bus: RevocationBus,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe((event) => this.onRevocation(event));
  }

  /** Answers synchronously from the cache (the hot path), and with a promise when it has to look the fingerprint up. */
  verify(certificate: PresentedCertificate): VerifiedBinding | null | Promise<VerifiedBinding | null> {
    const known = this.cachedAnswer(certificate);
    return known !== undefined ? known : this.lookUpAndCache(certificate);
  }

  /** What memory can tell: a binding, null for a known miss, undefined when only the database can. */
  cachedAnswer(certificate: PresentedCertificate): VerifiedBinding | null | undefined {
    return this.bus.isCurrent() ? this.cache.get(certificate.fingerprint) : undefined;
  }

  /** Drops whatever this instance remembers about the fingerprint (a new binding must work at once). */
  forget(fingerprint: string): void {
    this.cache.evict(fingerprint);
  }

  private async lookUpAndCache(certificate: PresentedCertificate): Promise<VerifiedBinding | null> {
    const since = this.cache.snapshot();
    const found = await this.lookUp(certificate.fingerprint);
    if (found.binding) this.cache.set(certificate.fingerprint, found.binding, certificate.notAfter, since);
    else this.cache.setMiss(certificate.fingerprint, found.ownerId, since);
    return found.binding;
  }

  private onRevocation(event: RevocationEvent): void {
    if (event.type === 'certificate') this.cache.evict(event.fingerprint);
    // Disabling evicts the owner's bindings; enabling drops their cached misses, so their certificates work again at once.
    if (event.type === 'userStatus' || event.type === 'userRoles') this.cache.evictUser(event.id);
  }

  private async lookUp(fingerprint: string): Promise<LookUp> {
    const row = await this.certificates.findOne({
      where: { fingerprint },
      select: { id: true, userId: true, scopes: true, revokedAt: true },
    });
    if (!row) return { binding: null, ownerId: null };
    const owner = row.revokedAt ? null : await this.users.findById(row.userId);
    if (!owner || owner.disabled) return { binding: null, ownerId: row.userId };
    const principal: AuthPrincipal = deepFreeze({
      // The owner's current roles, never more: a certificate cannot grant what its owner could not do.
      user: { id: owner.id, email: owner.email, roles: [...owner.roles] },
      via: 'mtls',
      certificateId: row.id,
      scopes: [...row.scopes],
    });
    return { binding: { principal, certificateId: row.id, userId: row.userId }, ownerId: null };
  }
}
