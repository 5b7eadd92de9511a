/**
 * A Firebase project's password hash parameters (Firebase console, Authentication, Users, "Password hash
 * parameters"), needed to verify the `$firebase-scrypt$` hashes of users imported from it.
 */
export interface FirebaseScryptOptions {
  /** `base64_signer_key`. */
  signerKey: string;
  /** `base64_salt_separator`. */
  saltSeparator: string;
  rounds: number;
  /** `mem_cost`: scrypt's N is 2^memCost. */
  memCost: number;
}

/**
 * argon2id cost (the `passwordHashing` options); the defaults are OWASP's minimum: 19 MiB, 2 passes, 1 lane.
 * Hashes of other systems (bcrypt, scrypt, Django's PBKDF2, Firebase's scrypt, argon2i/d) are verified too,
 * and replaced by argon2id at the user's next sign-in.
 */
export interface PasswordHashingOptions {
  memoryCost?: number;
  timeCost?: number;
  parallelism?: number;
  /** Without it, `$firebase-scrypt$` hashes never verify (and `users:import` refuses them). */
  firebaseScrypt?: FirebaseScryptOptions;
}

export interface ResolvedFirebaseScrypt {
  signerKey: Buffer;
  saltSeparator: Buffer;
  rounds: number;
  memCost: number;
}

export interface ResolvedPasswordHashingOptions {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  firebaseScrypt?: ResolvedFirebaseScrypt;
}

export const PASSWORD_HASHING_OPTIONS = Symbol('PASSWORD_HASHING_OPTIONS');

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function resolveFirebaseScrypt(options: FirebaseScryptOptions): ResolvedFirebaseScrypt {
  const { signerKey, saltSeparator, rounds, memCost } = options;
  if (typeof signerKey !== 'string' || !BASE64.test(signerKey))
    throw new Error('AuthModule: passwordHashing.firebaseScrypt.signerKey must be base64');
  if (typeof saltSeparator !== 'string' || !BASE64.test(saltSeparator))
    throw new Error('AuthModule: passwordHashing.firebaseScrypt.saltSeparator must be base64');
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 32)
    throw new Error('AuthModule: passwordHashing.firebaseScrypt.rounds must be an integer from 1 to 32');
  if (!Number.isInteger(memCost) || memCost < 1 || memCost > 20)
    throw new Error('AuthModule: passwordHashing.firebaseScrypt.memCost must be an integer from 1 to 20');
  return {
    signerKey: Buffer.from(signerKey, 'base64'),
    saltSeparator: Buffer.from(saltSeparator, 'base64'),
    rounds,
    memCost,
  };
}

export function resolvePasswordHashingOptions(options: PasswordHashingOptions = {}): ResolvedPasswordHashingOptions {
  const resolved = {
    memoryCost: options.memoryCost ?? 19456,
    timeCost: options.timeCost ?? 2,
    parallelism: options.parallelism ?? 1,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`AuthModule: passwordHashing.${name} must be a positive integer`);
  }
  return options.firebaseScrypt
    ? { ...resolved, firebaseScrypt: resolveFirebaseScrypt(options.firebaseScrypt) }
    : resolved;
}
