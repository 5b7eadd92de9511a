import { isEmail } from 'class-validator';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { EmailTakenError } from '../auth';
import type { PasswordHasher, UserStore } from '../auth';

export interface ImportReport {
  created: number;
  /** Lines whose email is registered already (earlier in the file, or before the import). */
  skipped: number;
  invalid: Array<{ line: number; reason: string }>;
}

/** One NDJSON line, checked: what to create, or why not. */
function parseLine(
  text: string,
  hasher: PasswordHasher,
): { email: string; hash: string; name: string | null; verified: boolean } | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const { email, hash, name, emailVerified } = value as Record<string, unknown>;
  if (typeof email !== 'string') return 'no email';
  const normalized = email.trim().toLowerCase();
  if (normalized.length > 254 || !isEmail(normalized)) return 'email is not an email address';
  if (typeof hash !== 'string' || !hash) return 'no hash';
  if (!hasher.formatOf(hash)) {
    return hash.startsWith('$firebase-scrypt$')
      ? 'a Firebase hash needs the project parameters (passwordHashing.firebaseScrypt, FIREBASE_SCRYPT_*)'
      : 'hash of an unknown format, or of a cost past the bounds';
  }
  if (name !== undefined && name !== null && (typeof name !== 'string' || name.length < 1 || name.length > 200))
    return 'name must be 1 to 200 characters';
  if (emailVerified !== undefined && typeof emailVerified !== 'boolean') return 'emailVerified must be true or false';
  return {
    email: normalized,
    hash,
    name: (name as string | null | undefined) ?? null,
    verified: emailVerified === true,
  };
}

/**
 * Users of another system, one JSON object a line (`{email, hash, name?, emailVerified?}`), created through
 * the UserStore with role `user` and their hash as it is: they sign in with their old password, and the
 * hash becomes argon2id then. A registered email is skipped, never changed; a bad line is reported by its
 * number and does not stop the others. With `dryRun`, only checks.
 */
export async function importUsers(
  input: Readable,
  users: UserStore,
  hasher: PasswordHasher,
  dryRun = false,
): Promise<ImportReport> {
  const report: ImportReport = { created: 0, skipped: 0, invalid: [] };
  const seen = new Set<string>();
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    const parsed = parseLine(text, hasher);
    if (typeof parsed === 'string') {
      report.invalid.push({ line, reason: parsed });
      continue;
    }
    if (seen.has(parsed.email) || (await users.findByEmail(parsed.email))) {
      report.skipped++;
      continue;
    }
    seen.add(parsed.email);
    if (dryRun) {
      report.created++;
      continue;
    }
    try {
      const user = await users.create({
        email: parsed.email,
        passwordHash: parsed.hash,
        name: parsed.name,
        roles: ['user'],
      });
      if (parsed.verified) await users.setEmailVerified(user.id, true);
      report.created++;
    } catch (error) {
      if (!(error instanceof EmailTakenError)) throw error;
      report.skipped++;
    }
  }
  return report;
}
