/** argon2id cost (the `passwordHashing` options); the defaults are OWASP's minimum: 19 MiB, 2 passes, 1 lane. */
export interface PasswordHashingOptions {
  memoryCost?: number;
  timeCost?: number;
  parallelism?: number;
}

export type ResolvedPasswordHashingOptions = Required<PasswordHashingOptions>;

export const PASSWORD_HASHING_OPTIONS = Symbol('PASSWORD_HASHING_OPTIONS');

export function resolvePasswordHashingOptions(options: PasswordHashingOptions = {}): ResolvedPasswordHashingOptions {
  const resolved = { memoryCost: options.memoryCost ?? 19456, timeCost: options.timeCost ?? 2, parallelism: options.parallelism ?? 1 };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`AuthModule: passwordHashing.${name} must be a positive integer`);
  }
  return resolved;
}
