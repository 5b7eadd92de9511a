import * as argon2 from 'argon2';
import * as bcrypt from 'bcryptjs';
import { createCipheriv, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import type { ResolvedFirebaseScrypt } from './password-hashing.options';

/** The stored password hashes the module verifies; only argon2id is ever written. */
export type PasswordHashFormat =
  'argon2id' | 'argon2i' | 'argon2d' | 'bcrypt' | 'scrypt' | 'pbkdf2_sha256' | 'firebase-scrypt';

/** A stored hash understood: its format, and how to check a password against it. */
export interface ParsedPasswordHash {
  format: PasswordHashFormat;
  verify(password: string): Promise<boolean>;
}

/**
 * Upper bounds on the cost a stored hash of another system may ask for: past them a hash is refused
 * (at import, and at sign-in), so that a mistyped export cannot make each login take minutes or
 * gigabytes. They are above what the systems these hashes come from use by default.
 */
const MAX_BCRYPT_COST = 15;
const MAX_PBKDF2_ITERATIONS = 5_000_000;
const MAX_SCRYPT_BYTES = 256 * 1024 * 1024;

const ARGON2 = /^\$(argon2(?:id|i|d))\$/;
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/** PHC: `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`, base64 without padding (passlib's `.` for `+` too). */
const SCRYPT =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/.]{11,}={0,2})\$([A-Za-z0-9+/.]{22,}={0,2})$/;
/** Django: `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>`. */
const DJANGO_PBKDF2 = /^pbkdf2_sha256\$(\d{1,8})\$([^$]{1,128})\$([A-Za-z0-9+/]{43}=)$/;
/** Firebase's export: `$firebase-scrypt$<salt>$<passwordHash>`, both base64 as the export gives them. */
const FIREBASE_SCRYPT = /^\$firebase-scrypt\$([A-Za-z0-9+/]{4,}={0,2})\$([A-Za-z0-9+/]{4,}={0,2})$/;

const fromPhcBase64 = (text: string) => Buffer.from(text.replace(/\./g, '+'), 'base64');

function scryptAsync(
  password: Buffer | string,
  salt: Buffer,
  length: number,
  N: number,
  r: number,
  p: number,
): Promise<Buffer> {
  // Node refuses work above maxmem (32 MiB by default); the bound is checked before this is reached.
  const maxmem = 128 * N * r + 128 * r * p + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, { N, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function pbkdf2Async(password: string, salt: string, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    pbkdf2(password, salt, iterations, 32, 'sha256', (error, key) => (error ? reject(error) : resolve(key))),
  );
}

const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

function parseArgon2(hash: string, format: PasswordHashFormat): ParsedPasswordHash {
  return { format, verify: (password) => argon2.verify(hash, password) };
}

function parseBcrypt(hash: string, cost: number): ParsedPasswordHash | null {
  if (cost < 4 || cost > MAX_BCRYPT_COST) return null;
  return { format: 'bcrypt', verify: (password) => bcrypt.compare(password, hash) };
}

function parseScrypt(match: RegExpExecArray): ParsedPasswordHash | null {
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const salt = fromPhcBase64(match[4]);
  const expected = fromPhcBase64(match[5]);
  if (ln < 1 || ln > 24 || r < 1 || p < 1 || p > 16 || 128 * 2 ** ln * r > MAX_SCRYPT_BYTES) return null;
  if (salt.length < 8 || expected.length < 16 || expected.length > 64) return null;
  return {
    format: 'scrypt',
    verify: async (password) => sameBytes(await scryptAsync(password, salt, expected.length, 2 ** ln, r, p), expected),
  };
}

function parseDjangoPbkdf2(match: RegExpExecArray): ParsedPasswordHash | null {
  const iterations = Number(match[1]);
  const expected = Buffer.from(match[3], 'base64');
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return null;
  return {
    format: 'pbkdf2_sha256',
    verify: async (password) => sameBytes(await pbkdf2Async(password, match[2], iterations), expected),
  };
}

/**
 * Firebase's modified scrypt (github.com/firebase/scrypt): the scrypt key of the password, salted with the
 * user's salt then the project's separator (N = 2^memCost, r = rounds, p = 1), encrypts the project's
 * signer key with AES-256-CTR under a zero IV; the ciphertext is the stored hash.
 */
function parseFirebaseScrypt(
  match: RegExpExecArray,
  project: ResolvedFirebaseScrypt | undefined,
): ParsedPasswordHash | null {
  if (!project) return null;
  const salt = Buffer.concat([Buffer.from(match[1], 'base64'), project.saltSeparator]);
  const expected = Buffer.from(match[2], 'base64');
  return {
    format: 'firebase-scrypt',
    verify: async (password) => {
      const key = await scryptAsync(password, salt, 64, 2 ** project.memCost, project.rounds, 1);
      const cipher = createCipheriv('aes-256-ctr', key.subarray(0, 32), Buffer.alloc(16));
      return sameBytes(Buffer.concat([cipher.update(project.signerKey), cipher.final()]), expected);
    },
  };
}

/** The stored hash, understood; null for a format (or a cost) the module does not verify. */
export function parsePasswordHash(hash: string, firebaseScrypt?: ResolvedFirebaseScrypt): ParsedPasswordHash | null {
  let match: RegExpExecArray | null;
  if ((match = ARGON2.exec(hash))) return parseArgon2(hash, match[1] as PasswordHashFormat);
  if ((match = BCRYPT.exec(hash))) return parseBcrypt(hash, Number(match[1]));
  if ((match = SCRYPT.exec(hash))) return parseScrypt(match);
  if ((match = DJANGO_PBKDF2.exec(hash))) return parseDjangoPbkdf2(match);
  if ((match = FIREBASE_SCRYPT.exec(hash))) return parseFirebaseScrypt(match, firebaseScrypt);
  return null;
}
