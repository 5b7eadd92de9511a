import { BadRequestException, ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { IsNull, QueryFailedError, Repository } from 'typeorm';
import type { AuditTransaction } from '../audit/audit-log.service';
import { AccountParts } from '../core/account-parts';
import { RevocationBus } from '../core/revocation-bus';
import { USER_STORE, UserStore } from '../core/user-store';
import { normalizeFingerprint } from './fingerprint';
import { ServiceCertificate } from './service-certificate.entity';
import { ServiceCertificateVerifier } from './service-certificate.verifier';
import { normalizeEmail } from '../core/email-address';

/** The user a certificate is bound to, by id or by email. */
export type CertificateOwner = { id: string } | { email: string };

export interface NewServiceCertificate {
  /** SHA-256 of the certificate, uppercase hex, colon-separated or not. */
  fingerprint: string;
  name: string;
  scopes?: string[];
}

/** The register answer. */
export interface RegisteredServiceCertificate {
  id: string;
  userId: string;
  fingerprint: string;
  name: string;
  scopes: string[];
  createdAt: Date;
}

export interface ServiceCertificateView extends RegisteredServiceCertificate {
  revokedAt: Date | null;
}

const NOT_FOUND = 'Service certificate not found';
const TAKEN = 'Certificate already registered (a revoked one cannot be registered again)';

/**
 * Binds client certificates to users and revokes the bindings, announcing each change to every
 * instance. A revoked fingerprint stays taken: a certificate once revoked is never trusted again.
 */
@Injectable()
export class ServiceCertificatesService {
  private readonly logger = new Logger(ServiceCertificatesService.name);

  constructor(
    @InjectRepository(ServiceCertificate) private readonly certificates: Repository<ServiceCertificate>,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly verifier: ServiceCertificateVerifier,
    private readonly bus: RevocationBus,
    parts: AccountParts,
  ) {
    parts.add({
      name: 'serviceCertificates',
      view: async (userId) =>
        (await this.certificates.find({ where: { userId }, order: { createdAt: 'DESC' } })).map(viewOf),
      remove: async (userId, manager) => void (await manager.delete(ServiceCertificate, { userId })),
    });
  }

  /** 400 for a malformed fingerprint, 404 for an unknown owner, 409 for a fingerprint registered before. */
  /** `tx`: in the transaction of the change, which records its audit event. */
  async register(
    owner: CertificateOwner,
    input: NewServiceCertificate,
    tx?: AuditTransaction,
  ): Promise<RegisteredServiceCertificate> {
    const fingerprint = normalizeFingerprint(input.fingerprint);
    if (!fingerprint)
      throw new BadRequestException(
        'fingerprint must be a SHA-256 fingerprint in uppercase hex, colon-separated or not',
      );
    const user =
      'id' in owner ? await this.users.findById(owner.id) : await this.users.findByEmail(normalizeEmail(owner.email));
    if (!user) throw new NotFoundException('User not found');
    if (await this.certificates.existsBy({ fingerprint })) throw new ConflictException(TAKEN);
    const row: ServiceCertificate = {
      id: randomUUID(),
      userId: user.id,
      fingerprint,
      name: input.name,
      scopes: input.scopes ?? [],
      createdAt: new Date(),
      revokedAt: null,
    };
    try {
      await (tx ? tx.manager.withRepository(this.certificates) : this.certificates).insert(row);
    } catch (error) {
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(String(error.message)))
        throw new ConflictException(TAKEN);
      throw error;
    }
    const announce = async () => {
      this.verifier.forget(fingerprint);
      // Other instances that refused the certificate before drop their cached miss; failing that, it expires within 5 s.
      await this.bus
        .publish({ type: 'certificate', id: row.id, fingerprint })
        .catch((error: unknown) => this.logger.warn(`Could not announce certificate ${row.id}: ${String(error)}`));
    };
    if (tx) tx.afterCommit(announce);
    else await announce();
    return {
      id: row.id,
      userId: row.userId,
      fingerprint,
      name: row.name,
      scopes: row.scopes,
      createdAt: row.createdAt,
    };
  }

  /** Every binding, newest first, revoked ones included. */
  async list(): Promise<ServiceCertificateView[]> {
    const rows = await this.certificates.find({ order: { createdAt: 'DESC' } });
    return rows.map(viewOf);
  }

  /** Revokes the binding on every instance within a second; revoking it again is harmless. 404 for an unknown id. */
  async revoke(id: string, tx?: AuditTransaction): Promise<ServiceCertificateView> {
    const certificates = tx ? tx.manager.withRepository(this.certificates) : this.certificates;
    const row = await certificates.findOneBy({ id });
    if (!row) throw new NotFoundException(NOT_FOUND);
    if (!row.revokedAt) {
      row.revokedAt = new Date();
      await certificates.update({ id, revokedAt: IsNull() }, { revokedAt: row.revokedAt });
    }
    // In a transaction, the revocation log's row commits with the revocation.
    await this.bus.publish({ type: 'certificate', id, fingerprint: row.fingerprint }, { manager: tx?.manager });
    return viewOf(row);
  }
}

function viewOf(row: ServiceCertificate): ServiceCertificateView {
  return {
    id: row.id,
    userId: row.userId,
    fingerprint: row.fingerprint,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  };
}
