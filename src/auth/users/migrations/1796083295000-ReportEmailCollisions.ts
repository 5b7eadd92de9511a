import { Logger } from '@nestjs/common';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { normalizeEmail } from '../../core/email-address';

/** Groups of user ids whose emails are one address once normalized (NFKC, lower-cased, trimmed), each group in id order. */
export function emailCollisions(users: ReadonlyArray<{ id: string | number; email: string }>): string[][] {
  const byAddress = new Map<string, string[]>();
  for (const { id, email } of users) {
    const address = normalizeEmail(email);
    byAddress.set(address, [...(byAddress.get(address) ?? []), String(id)]);
  }
  return [...byAddress.values()].filter((ids) => ids.length > 1).map((ids) => ids.sort());
}

/**
 * Emails are compared after NFKC normalization from now on, so a full-width twin of an address is
 * that address. Users registered before under two such forms are reported, never merged: which of
 * them owns the address is for a person to decide. The table is not changed.
 */
export class ReportEmailCollisions1796083295000 implements MigrationInterface {
  name = 'ReportEmailCollisions1796083295000';
  /** Where the report goes; a test reads it. */
  warn = (message: string) => new Logger('AuthMigrations').warn(message);

  async up(queryRunner: QueryRunner): Promise<void> {
    const users = (await queryRunner.query('SELECT "id", "email" FROM "auth_users"')) as Array<{
      id: string | number;
      email: string;
    }>;
    const collisions = emailCollisions(users);
    if (collisions.length === 0) return;
    this.warn(
      `${collisions.length} email address(es) belong to more than one user once normalized (NFKC, lower case); ` +
        `the users were not merged, resolve them by hand: ${collisions.map((ids) => `[${ids.join(', ')}]`).join(' ')}`,
    );
  }

  async down(): Promise<void> {
    // It changed nothing.
  }
}
