import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

// crypto.hash is the one-shot form: on a short input it costs a third of createHash().update().digest().
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/** URL-safe random string carrying `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
