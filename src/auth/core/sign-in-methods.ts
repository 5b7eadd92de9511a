import { Injectable } from '@nestjs/common';

/** One kind of way to sign in a user may hold (a password, linked identities, passkeys), counted per user. */
export interface SignInMethodSource {
  readonly name: string;
  count(userId: string): Promise<number>;
}

/**
 * Every way to sign in that the features of one AuthModule offer. A feature registers its source when
 * it starts, and asks before it removes one of a user's ways (unlinking an identity, deleting a
 * passkey), so that no user is left without a way to sign in.
 */
@Injectable()
export class SignInMethods {
  private readonly sources: SignInMethodSource[] = [];

  register(source: SignInMethodSource): void {
    if (this.sources.some((known) => known.name === source.name)) throw new Error(`Sign-in method ${source.name} is registered twice`);
    this.sources.push(source);
  }

  /** How many ways to sign in the user has, over every registered source. */
  async countFor(userId: string): Promise<number> {
    const counts = await Promise.all(this.sources.map((source) => source.count(userId)));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** True when removing one of the user's ways still leaves another. */
  async canRemoveOne(userId: string): Promise<boolean> {
    return (await this.countFor(userId)) > 1;
  }
}
