import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L, or U (read as V): what a person copies from paper comes back the same. */
export const RECOVERY_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECOVERY_CODE_COUNT = 10;
/**
 * 24 characters of 30: about 118 bits each, past the 112 bits from which ASVS 5 (6.5.2) lets a
 * standard hash store them, so a keyed SHA-256 does and no argon2 run per code is needed.
 */
const CODE_LENGTH = 24;

/** A fresh set, shown as six groups of four (`XXXX-XXXX-…`). */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from(
      { length: CODE_LENGTH },
      () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
    ).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

/** The canonical form of a typed code (case, spaces and dashes ignored), or null when it cannot be one. */
export function normalizeRecoveryCode(typed: string): string | null {
  const code = typed.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== CODE_LENGTH) return null;
  for (const char of code) if (!RECOVERY_ALPHABET.includes(char)) return null;
  return code;
}
