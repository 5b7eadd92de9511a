import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomToken } from '../core/secrets';
import { PASSWORD_HASHING_OPTIONS, ResolvedPasswordHashingOptions } from './password-hashing.options';

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash: string;

  constructor(@Inject(PASSWORD_HASHING_OPTIONS) private readonly options: ResolvedPasswordHashingOptions) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomToken());
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.options });
  }

  /**
   * Verifies against the stored hash, or against a dummy hash when there is none, so that an
   * unknown email or a password-less account costs the same time as a wrong password.
   */
  async verify(storedHash: string | null | undefined, password: string): Promise<boolean> {
    try {
      const matches = await argon2.verify(storedHash ?? this.dummyHash, password);
      return matches && !!storedHash;
    } catch {
      return false;
    }
  }
}
