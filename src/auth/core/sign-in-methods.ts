import { ConflictException, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ShortLivedKeys } from './short-lived-keys';

/** One kind of way to sign in a user may hold (a password, linked identities, passkeys), counted per user. */
export interface SignInMethodSource {
  readonly name: string;
  count(userId: string): Promise<number>;
  /** Removes every one of the user's ways of this kind made before `before` (the first proof of the address); how many. */
  removeAllMadeBefore?(userId: string, before: Date): Promise<number>;
}

export const LAST_WAY_TO_SIGN_IN = 'This is your last way to sign in';
export const CHANGE_UNDER_WAY = 'Another change to your ways to sign in is under way: try again';

/** Long enough for a removal that checks a password (Argon2) first; a holder that died frees it after this. */
const LEASE_MS = 10_000;
const WAIT_MS = 3_000;
const RETRY_MS = 25;

/**
 * Every way to sign in that the features of one AuthModule offer. A feature registers its source when
 * it starts, and removes one of a user's ways (unlinking an identity, deleting a passkey) through
 * `removeOne`, so that no user is left without a way to sign in.
 */
@Injectable()
export class SignInMethods {
  private readonly sources: SignInMethodSource[] = [];

  constructor(private readonly leases: ShortLivedKeys) {}

  register(source: SignInMethodSource): void {
    if (this.sources.some((known) => known.name === source.name))
      throw new Error(`Sign-in method ${source.name} is registered twice`);
    this.sources.push(source);
  }

  /** How many ways to sign in the user has, over every registered source. */
  async countFor(userId: string): Promise<number> {
    const counts = await Promise.all(this.sources.map((source) => source.count(userId)));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /**
   * Removes every way to sign in of the user made before `before` that a source can remove (passkeys,
   * identities; not the password, which a reset replaces): the first proof of the account's address
   * ends what whoever held the account before it set up. The count removed, by source.
   */
  async removeAllMadeBefore(userId: string, before: Date): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const source of this.sources)
      if (source.removeAllMadeBefore) removed[source.name] = await source.removeAllMadeBefore(userId, before);
    return removed;
  }

  /**
   * Runs `remove` (which takes one of the user's ways away) only while another way remains: 409
   * otherwise. The check and the removal hold the user's lease, on every instance, so that two
   * removals at once (a passkey and the last identity, from two tabs) cannot each count the other's
   * way and leave none; a removal that cannot get the lease within seconds answers 409 too.
   */
  async removeOne<T>(userId: string, remove: () => Promise<T>): Promise<T> {
    const key = `sign-in-methods:${userId}`;
    const holder = randomUUID();
    const deadline = Date.now() + WAIT_MS;
    while (!(await this.leases.claim(key, LEASE_MS, Date.now(), holder))) {
      if (Date.now() >= deadline) throw new ConflictException(CHANGE_UNDER_WAY);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
    try {
      if ((await this.countFor(userId)) <= 1) throw new ConflictException(LAST_WAY_TO_SIGN_IN);
      return await remove();
    } finally {
      // A release that fails (Redis gone) leaves the lease to expire: the removal's own outcome stands.
      await this.leases.release(key, holder).catch(() => undefined);
    }
  }
}
