import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, IsNull, LessThan, MoreThan, Repository } from 'typeorm';
import { AccountParts } from '../core/account-parts';
import { randomToken, sha256Hex } from '../core/secrets';
import { EmailToken, EmailTokenKind } from './email-token.entity';

/** One-time tokens sent by mail: 256 random bits, stored as SHA-256 only, spent once, expired by time. */
@Injectable()
export class EmailTokens {
  constructor(
    @InjectRepository(EmailToken) private readonly tokens: Repository<EmailToken>,
    parts: AccountParts,
  ) {
    // Pending links (a reset, a verification, a change of address) hold the address they were sent to.
    parts.add({
      name: 'emailLinks',
      remove: async (userId, manager) => void (await manager.delete(EmailToken, { userId })),
    });
  }

  /**
   * A new token; `voidOthers` spends the user's earlier unspent tokens of the same kind first (a newer reset voids older ones).
   * Through `manager` when given: the transaction that also queues its mail.
   */
  async issue(
    kind: EmailTokenKind,
    userId: string,
    email: string,
    ttlSeconds: number,
    voidOthers = false,
    manager?: EntityManager,
  ): Promise<string> {
    const tokens = manager ? manager.getRepository(EmailToken) : this.tokens;
    if (voidOthers) await tokens.update({ userId, kind, usedAt: IsNull() }, { usedAt: new Date() });
    const value = randomToken(32);
    const now = new Date();
    await tokens.insert({
      id: randomUUID(),
      userId,
      kind,
      tokenHash: sha256Hex(value),
      email,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      usedAt: null,
      createdAt: now,
    });
    return value;
  }

  /** The token's row when it is of one of these kinds, unspent and unexpired, spent by this call; null for anything else alike. */
  async consume(kinds: EmailTokenKind[], presented: unknown): Promise<EmailToken | null> {
    if (typeof presented !== 'string' || presented.length < 20 || presented.length > 200) return null;
    const now = new Date();
    const row = await this.tokens.findOne({
      where: { tokenHash: sha256Hex(presented), kind: In(kinds), usedAt: IsNull(), expiresAt: MoreThan(now) },
    });
    if (!row) return null;
    // The conditional UPDATE is the lock: of concurrent requests spending one token, exactly one changes the row.
    const { affected } = await this.tokens.update({ id: row.id, usedAt: IsNull() }, { usedAt: now });
    return affected === 1 ? row : null;
  }

  async voidAll(userId: string, kinds: EmailTokenKind[]): Promise<void> {
    await this.tokens.update({ userId, kind: In(kinds), usedAt: IsNull() }, { usedAt: new Date() });
  }

  async pruneExpired(now = new Date()): Promise<void> {
    await this.tokens.delete({ expiresAt: LessThan(new Date(now.getTime() - 24 * 60 * 60 * 1000)) });
  }
}
