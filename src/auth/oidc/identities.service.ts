import { AccountParts } from '../core/account-parts';
import { Injectable, NotFoundException, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { LessThan, QueryFailedError, Repository } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service';
import { SignInMethods } from '../core/sign-in-methods';
import { ReauthenticationMethods } from '../core/reauthentication-methods';
import { Identity } from './identity.entity';

export interface IdentityView {
  id: string;
  provider: string;
  email: string | null;
  createdAt: Date;
}

/** What a provider asserted about the user, after its ID token has been verified. */
export interface AssertedIdentity {
  provider: string;
  subject: string;
  /** Trimmed and lower-cased; null when the provider gave none (or none that is an address). */
  email: string | null;
  /** The provider says it has verified that the user receives mail at `email`. */
  emailVerified: boolean;
  name: string | null;
  /** The provider says the user passed more than one factor with it (`amr` holds `mfa`, RFC 8176). */
  providerDidMfa: boolean;
}

/** Users' identities at OpenID providers: each signs its user in, and counts as one of their ways to sign in. */
@Injectable()
export class Identities implements OnModuleInit {
  constructor(
    @InjectRepository(Identity) private readonly identities: Repository<Identity>,
    private readonly signInMethods: SignInMethods,
    private readonly audit: AuditLog,
    private readonly reauthentication: ReauthenticationMethods,
    parts: AccountParts,
  ) {
    parts.add({
      name: 'identities',
      view: (userId) => this.list(userId),
      remove: async (userId, manager) => void (await manager.delete(Identity, { userId })),
    });
  }

  onModuleInit(): void {
    this.signInMethods.register({
      name: 'identities',
      count: (userId) => this.identities.count({ where: { userId } }),
      removeAllMadeBefore: async (userId, before) =>
        (await this.identities.delete({ userId, createdAt: LessThan(before) })).affected ?? 0,
    });
    // Proved at the provider: `GET /auth/oidc/:provider/login?reauth=1`.
    this.reauthentication.register({
      method: 'oidc',
      amr: ['fed'],
      held: async (userId) => (await this.identities.count({ where: { userId } })) > 0,
    });
  }

  find(provider: string, subject: string): Promise<Identity | null> {
    return this.identities.findOne({ where: { provider, subject } });
  }

  /**
   * Links the identity to the user; the identity as it now stands (a concurrent request may have
   * linked it first, perhaps to someone else: the caller compares `userId`).
   */
  async link(userId: string, asserted: AssertedIdentity, request?: Request): Promise<Identity> {
    const row: Identity = {
      id: randomUUID(),
      provider: asserted.provider,
      subject: asserted.subject,
      userId,
      email: asserted.email,
      createdAt: new Date(),
    };
    try {
      await this.audit.transaction(async (tx) => {
        await tx.manager.withRepository(this.identities).insert(row);
        tx.record({
          type: 'identity.linked',
          userId,
          mechanism: 'oidc',
          request,
          detail: { provider: asserted.provider },
        });
      });
    } catch (error) {
      // Linked first by a concurrent request (the unique index refused this row): the identity as it stands.
      if (!(error instanceof QueryFailedError)) throw error;
      const existing = await this.find(asserted.provider, asserted.subject);
      if (!existing) throw error;
      return existing;
    }
    return row;
  }

  async list(userId: string): Promise<IdentityView[]> {
    const rows = await this.identities.find({ where: { userId }, order: { createdAt: 'ASC' } });
    return rows.map((row) => ({ id: row.id, provider: row.provider, email: row.email, createdAt: row.createdAt }));
  }

  /** 404 when it is not one of the user's identities, 409 when it is their last way to sign in (SignInMethods.removeOne). */
  async unlink(userId: string, id: string, request?: Request): Promise<void> {
    const row = await this.identities.findOne({ where: { id, userId } });
    if (!row) throw new NotFoundException('Identity not found');
    await this.signInMethods.removeOne(userId, () =>
      this.audit.transaction(async (tx) => {
        const { affected } = await tx.manager.withRepository(this.identities).delete({ id, userId });
        if (affected !== 1) throw new NotFoundException('Identity not found');
        tx.record({
          type: 'identity.unlinked',
          userId,
          mechanism: 'oidc',
          request,
          detail: { provider: row.provider },
        });
      }),
    );
  }
}
