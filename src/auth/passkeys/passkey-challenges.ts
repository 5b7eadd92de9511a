import { Inject, Injectable } from '@nestjs/common';
import { randomToken, sha256Hex } from '../core/secrets';
import { ShortLivedKeys } from '../core/short-lived-keys';
import { PASSKEY_OPTIONS, ResolvedPasskeyOptions } from './passkeys.options';

/** What a challenge was issued for: registering a passkey for a signed-in user, or a sign-in. */
export type CeremonyPurpose = 'register' | 'login';

/**
 * Challenges of WebAuthn ceremonies: 256 random bits, each answered at most once, within five minutes,
 * on any instance (ShortLivedKeys: of two requests answering the same challenge, one gets it). Keys
 * hold the SHA-256 of the challenge, never the challenge itself.
 */
@Injectable()
export class PasskeyChallenges {
  constructor(
    private readonly keys: ShortLivedKeys,
    @Inject(PASSKEY_OPTIONS) private readonly options: Pick<ResolvedPasskeyOptions, 'challengeTtlSeconds'>,
  ) {}

  /** A new challenge for the purpose, bound to `subject` (the user registering, or '' for a sign-in by anyone). */
  async issue(purpose: CeremonyPurpose, subject: string, now = Date.now()): Promise<string> {
    const challenge = randomToken(32);
    await this.keys.put(this.keyOf(purpose, challenge), subject, this.options.challengeTtlSeconds * 1000, now);
    return challenge;
  }

  /** The subject of a live challenge of this purpose, which this call spends; null when unknown, spent or expired. */
  async take(purpose: CeremonyPurpose, challenge: string, now = Date.now()): Promise<string | null> {
    return await this.keys.take(this.keyOf(purpose, challenge), now);
  }

  private keyOf(purpose: CeremonyPurpose, challenge: string): string {
    return `passkey-challenge:${purpose}:${sha256Hex(challenge)}`;
  }
}
