import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import { dictionary } from '@zxcvbn-ts/language-common';
import { createHash } from 'node:crypto';
import { PASSWORD_POLICY_OPTIONS, ResolvedPasswordPolicyOptions } from './password-policy.options';

export const PASSWORD_TOO_COMMON = 'This password is too common or has appeared in a data breach: choose another';

/**
 * What a new password (registration, change, reset) must not be: one of the most common passwords
 * (the ~49,000 of zxcvbn-ts's `passwords-common` list, ranked from leaked password corpora, compared
 * without case), nor, with the breach check on, one that Pwned Passwords knows.
 */
@Injectable()
export class PasswordPolicy {
  private readonly logger = new Logger('AuthPasswords');
  private common?: ReadonlySet<string>;

  constructor(@Inject(PASSWORD_POLICY_OPTIONS) private readonly options: ResolvedPasswordPolicyOptions) {}

  /** 400 with one message for a password that is refused, whichever list refused it. */
  async check(password: string): Promise<void> {
    if (this.isCommon(password) || (await this.isBreached(password)))
      throw new BadRequestException(PASSWORD_TOO_COMMON);
  }

  isCommon(password: string): boolean {
    this.common ??= new Set(dictionary['passwords-common'] as string[]);
    return this.common.has(password.toLowerCase());
  }

  /** By the range API: false when it cannot answer (fail open, logged), or the check is off. */
  private async isBreached(password: string): Promise<boolean> {
    const check = this.options.breachCheck;
    if (!check) return false;
    const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    try {
      const response = await fetch(`${check.rangeUrl}${sha1.slice(0, 5)}`, {
        headers: { 'Add-Padding': 'true', 'User-Agent': 'nest-auth' },
        signal: AbortSignal.timeout(check.timeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const suffix = sha1.slice(5);
      for (const line of (await response.text()).split('\n')) {
        const [candidate, count] = line.trim().split(':');
        // Padding entries have a count of 0.
        if (candidate?.toUpperCase() === suffix && Number(count) > 0) return true;
      }
      return false;
    } catch (error) {
      this.logger.warn(
        `Breach check unavailable, password accepted without it: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    }
  }
}
