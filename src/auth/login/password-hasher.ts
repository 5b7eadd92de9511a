import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomToken } from '../core/secrets';
import { parsePasswordHash, PasswordHashFormat } from './password-formats';
import { PASSWORD_HASHING_OPTIONS, ResolvedPasswordHashingOptions } from './password-hashing.options';

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash: string;

  constructor(@Inject(PASSWORD_HASHING_OPTIONS) private readonly options: ResolvedPasswordHashingOptions) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomToken());
  }

  hash(password: string): Promise<string> {
    const { memoryCost, timeCost, parallelism } = this.options;
    return argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism });
  }

  /**
   * Verifies against the stored hash, or against a dummy hash when there is none (or it is of a format
   * the module does not verify), so that an unknown email, a password-less account and an unreadable
   * hash cost the same time as a wrong password.
   */
  async verify(storedHash: string | null | undefined, password: string): Promise<boolean> {
    const parsed = storedHash ? parsePasswordHash(storedHash, this.options.firebaseScrypt) : null;
    try {
      if (parsed) return await parsed.verify(password);
      await argon2.verify(this.dummyHash, password);
    } catch {
      // A hash that matched its format's pattern but not its library's checks: verifies nothing.
    }
    return false;
  }

  /** The format of a hash the module can verify (as configured: a Firebase hash needs the project's parameters), or null. */
  formatOf(storedHash: string): PasswordHashFormat | null {
    return parsePasswordHash(storedHash, this.options.firebaseScrypt)?.format ?? null;
  }

  /** Whether a hash that just verified should be replaced by an argon2id hash of the same password. */
  needsRehash(storedHash: string): boolean {
    return this.formatOf(storedHash) !== 'argon2id';
  }
}
