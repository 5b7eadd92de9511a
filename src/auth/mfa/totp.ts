import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';

/** RFC 6238 as authenticator apps implement it: HMAC-SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either way (RFC 6238 §5.2): otplib checks the steps that [now - 30 s, now + 30 s] touch. */
const TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;
/** 160 bits, as RFC 4226 §4 recommends. */
const SECRET_BYTES = 20;

const CODE = /^\d{6}$/;

/** A new shared secret, base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/** The code of `secret` at `epochSeconds`. */
export function totpCode(secret: string, epochSeconds = Date.now() / 1000): string {
  return generateSync({
    secret,
    epoch: Math.floor(epochSeconds),
    digits: DIGITS,
    algorithm: 'sha1',
    period: TOTP_PERIOD_SECONDS,
  });
}

/**
 * The time step `code` matches, within one step of now, and only if it is later than `lastUsedStep`:
 * a code is accepted once, and none older than one already used. Null otherwise.
 */
export function matchTotp(
  secret: string,
  code: string,
  lastUsedStep: number | null,
  epochSeconds = Date.now() / 1000,
): number | null {
  if (!CODE.test(code)) return null;
  const result = verifySync({
    secret,
    token: code,
    epoch: Math.floor(epochSeconds),
    digits: DIGITS,
    algorithm: 'sha1',
    period: TOTP_PERIOD_SECONDS,
    epochTolerance: TOLERANCE_SECONDS,
    ...(lastUsedStep === null ? {} : { afterTimeStep: lastUsedStep }),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

/** The `otpauth://totp/…` URI authenticator apps read from a QR code. */
export function otpauthUrl(secret: string, issuer: string, account: string): string {
  return generateURI({
    issuer,
    label: account,
    secret,
    algorithm: 'sha1',
    digits: DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}
