import { AccountParts } from '../core/account-parts';
import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, IsNull, LessThan, Not, Repository } from 'typeorm';
import { AuditTransaction } from '../audit/audit-log.service';
import { RevocationBus } from '../core/revocation-bus';
import { sha256Hex } from '../core/secrets';
import { ApiKeyFormat } from './api-key-format';
import { API_KEY_OPTIONS, ResolvedApiKeyOptions } from './api-key.options';
import { ApiKey } from './api-key.entity';
import { ApiKeyVerifier } from './api-key.verifier';
import { lookupIdOf } from './known-key-index';

export interface NewApiKey {
  name: string;
  scopes?: string[];
  expiresAt?: Date | null;
  rateLimitPerMinute?: number;
}

/** The create and rotate answer: the only place the key itself ever appears. */
export interface CreatedApiKey {
  id: string;
  name: string;
  key: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const NOT_FOUND = 'API key not found';

/** Creates, lists, revokes and rotates a user's API keys, announcing every revocation to all instances. */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly verifier: ApiKeyVerifier,
    private readonly bus: RevocationBus,
    @Inject(API_KEY_OPTIONS) private readonly options: ResolvedApiKeyOptions,
    parts: AccountParts,
  ) {
    parts.add({
      name: 'apiKeys',
      view: (userId) => this.list(userId),
      remove: async (userId, manager) => void (await manager.delete(ApiKey, { userId })),
    });
  }

  /** In `tx` when given: the transaction that also writes its audit event. */
  async create(userId: string, input: NewApiKey, tx?: AuditTransaction): Promise<CreatedApiKey> {
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
      throw new BadRequestException('expiresAt must be in the future');
    const values = {
      name: input.name,
      scopes: input.scopes ?? [],
      expiresAt: input.expiresAt ?? null,
      rateLimitPerMinute: input.rateLimitPerMinute ?? this.options.rateLimitPerMinute,
    };
    // In a transaction either way: the key and the log entry that announces it to every instance's index commit together.
    return tx
      ? this.insert(tx.manager, userId, values)
      : this.keys.manager.transaction((manager) => this.insert(manager, userId, values));
  }

  async list(userId: string): Promise<ApiKeyView[]> {
    const rows = await this.keys.find({ where: { userId }, order: { createdAt: 'DESC' } });
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      scopes: row.scopes,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
    }));
  }

  /** Revokes the caller's key; revoking it again is harmless. In `tx` when given, announced once it has committed. */
  async revoke(userId: string, id: string, tx?: AuditTransaction): Promise<void> {
    const keys = tx ? tx.manager.getRepository(ApiKey) : this.keys;
    const key = await keys.findOneBy({ id, userId });
    if (!key) throw new NotFoundException(NOT_FOUND);
    if (!key.revokedAt) await keys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    await this.announce(id, tx);
  }

  /** Revokes every key of the user made before `before` but `keepId` (the first proof of the address); how many. */
  async revokeAllMadeBefore(userId: string, before: Date, keepId?: string): Promise<number> {
    const where = { userId, revokedAt: IsNull(), createdAt: LessThan(before), ...(keepId ? { id: Not(keepId) } : {}) };
    const rows = await this.keys.find({ where, select: { id: true } });
    if (rows.length === 0) return 0;
    await this.keys.update(where, { revokedAt: new Date() });
    for (const { id } of rows) await this.bus.publish({ type: 'apiKey', id });
    return rows.length;
  }

  /** An operator's revocation, whoever owns the key (the CLI's `key:revoke`); 404 for an unknown id. */
  async revokeById(id: string): Promise<{ id: string; userId: string }> {
    const key = /^[0-9a-f-]{36}$/i.test(id) ? await this.keys.findOneBy({ id }) : null;
    if (!key) throw new NotFoundException(NOT_FOUND);
    await this.revoke(key.userId, id);
    return { id, userId: key.userId };
  }

  /**
   * Issues a successor with the same name, scopes, limit and expiry. The old key ends now, or after
   * the grace period (its expiry moves forward to it), so callers can switch without an outage.
   */
  async rotate(userId: string, id: string, gracePeriodSeconds = 0, tx?: AuditTransaction): Promise<CreatedApiKey> {
    const now = Date.now();
    const rotation = async (manager: EntityManager) => {
      const old = await manager.findOneBy(ApiKey, { id, userId, revokedAt: IsNull() });
      if (!old || (old.expiresAt && old.expiresAt.getTime() <= now)) throw new NotFoundException(NOT_FOUND);
      const end = gracePeriodSeconds > 0 ? new Date(now + gracePeriodSeconds * 1000) : null;
      const change = end
        ? { expiresAt: old.expiresAt && old.expiresAt < end ? old.expiresAt : end }
        : { revokedAt: new Date(now) };
      const { affected } = await manager.update(ApiKey, { id, revokedAt: IsNull() }, change);
      if (!affected) throw new NotFoundException(NOT_FOUND);
      return this.insert(manager, userId, {
        name: old.name,
        scopes: old.scopes,
        expiresAt: old.expiresAt,
        rateLimitPerMinute: old.rateLimitPerMinute,
      });
    };
    const created = tx ? await rotation(tx.manager) : await this.keys.manager.transaction(rotation);
    await this.announce(id, tx);
    return created;
  }

  /** Other instances drop the key from their caches; after the commit, or they could read it back as it was. */
  private async announce(id: string, tx?: AuditTransaction): Promise<void> {
    const publish = () => this.bus.publish({ type: 'apiKey', id });
    if (tx) tx.afterCommit(publish);
    else await publish();
  }

  private async insert(manager: EntityManager, userId: string, fields: Required<NewApiKey>): Promise<CreatedApiKey> {
    const key = ApiKeyFormat.generate(this.options.prefix);
    const keyHash = sha256Hex(key);
    const row: ApiKey = {
      id: randomUUID(),
      userId,
      name: fields.name,
      keyHash,
      prefix: ApiKeyFormat.displayPrefix(key),
      scopes: fields.scopes,
      rateLimitPerMinute: fields.rateLimitPerMinute,
      createdAt: new Date(),
      lastUsedAt: null,
      expiresAt: fields.expiresAt,
      revokedAt: null,
    };
    await manager.insert(ApiKey, row);
    // In the same transaction: every instance's index of known keys learns the key before its 201.
    await this.bus.publish({ type: 'apiKeyCreated', lookupId: lookupIdOf(keyHash) }, { manager });
    this.verifier.forgetHash(keyHash);
    return {
      id: row.id,
      name: row.name,
      key,
      prefix: row.prefix,
      scopes: row.scopes,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
    };
  }
}
