import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { IdentifiedUser } from './identified-user';

/** What a first factor answers when the user has a second one: no cookie and no token yet (API.md). */
export interface SecondStepChallenge {
  mfaRequired: true;
  /** Opaque, short-lived, spent by one success, dead after too many wrong answers. */
  mfaToken: string;
  /** The second factors the user can answer with: among `totp`, `recovery`, `passkey`. */
  methods: string[];
}

/** A second factor a feature offers, and whether a user has it. */
export interface SecondFactor {
  /** The `methods` entries it stands for (`totp` and `recovery` for one-time codes, `passkey` for passkeys). */
  readonly methods: string[];
  /**
   * Whether having this factor puts a second step after every first one (TOTP does). A passkey does
   * not on its own: it is a way to sign in of its own, with no recovery codes behind it, so a user who
   * has one on a device they do not carry can still sign in with the password; beside TOTP it is offered.
   */
  readonly turnsStepOn: boolean;
  enrolled(userId: string): Promise<boolean>;
  /** How many of it the user holds (passkeys), for `GET /auth/mfa`; without it, 1 when enrolled. */
  count?(userId: string): Promise<number>;
}

/**
 * The second step of every login: after a first factor has identified a user, the user either has no
 * second factor (issue at once) or gets an `mfaToken` to finish with one. The feature that keeps the
 * tokens provides it; features offering a second factor register it.
 */
export abstract class SecondStep {
  private readonly completions: Array<
    (mfaToken: string, identified: IdentifiedUser, request: Request) => Promise<void>
  > = [];

  /**
   * `listener` runs once a second factor has answered for an `mfaToken`, before the credential is
   * issued; it throws to refuse the sign-in. A first factor that holds back work until the second
   * (an OpenID sign-in linking by email) keys it by the token.
   */
  onCompleted(listener: (mfaToken: string, identified: IdentifiedUser, request: Request) => Promise<void>): void {
    this.completions.push(listener);
  }

  protected async runCompletions(mfaToken: string, identified: IdentifiedUser, request: Request): Promise<void> {
    for (const listener of this.completions) await listener(mfaToken, identified, request);
  }

  abstract register(factor: SecondFactor): void;
  /** After a first factor: the challenge when the user has a second factor, else null (issue the credential now). */
  abstract begin(identified: IdentifiedUser, request: Request): Promise<SecondStepChallenge | null>;
  /** The user a live `mfaToken` waits for, or null when it is unknown, spent, expired or dead; spends nothing. */
  abstract pendingUser(mfaToken: string): Promise<string | null>;
  /**
   * Finishes with a second factor the caller has verified for `pendingUser(mfaToken)`: spends the token
   * and returns whom to issue for (with the epoch read before the first factor), or null when the token
   * is no longer live (then the caller answers its generic 401).
   */
  abstract complete(mfaToken: string, method: string, request: Request): Promise<IdentifiedUser | null>;
  /** A wrong second factor for the token: counts toward the token's limit and the account's back-off. */
  abstract refused(mfaToken: string, method: string, request: Request): Promise<void>;
}

/**
 * Where the feature that keeps second steps puts its `SecondStep`: sign-in funnels and second factors
 * reach it here, so none of them needs that feature listed (without it, every sign-in is one step).
 */
@Injectable()
export class SecondStepSlot {
  private step?: SecondStep;

  provide(step: SecondStep): void {
    if (this.step) throw new Error('AuthModule: two features provide the second step');
    this.step = step;
  }

  get current(): SecondStep | undefined {
    return this.step;
  }
}
