import type { FirebaseScryptOptions } from '../auth';
import { ConfigError } from './config-error';

type Env = Record<string, string | undefined>;

const NAMES = [
  'FIREBASE_SCRYPT_SIGNER_KEY',
  'FIREBASE_SCRYPT_SALT_SEPARATOR',
  'FIREBASE_SCRYPT_ROUNDS',
  'FIREBASE_SCRYPT_MEM_COST',
];

/**
 * FIREBASE_SCRYPT_*: the password hash parameters of a Firebase project whose users were imported
 * (`users:import`), all four or none; the library checks their values.
 */
export function firebaseScryptConfig(env: Env): FirebaseScryptOptions | undefined {
  const given = NAMES.filter((name) => env[name]);
  if (!given.length) return undefined;
  const missing = NAMES.filter((name) => !env[name]);
  if (missing.length) throw new ConfigError(`${missing.join(', ')}: required with ${given.join(', ')}`);
  const integer = (name: string) => {
    const value = Number(env[name]);
    if (!Number.isInteger(value)) throw new ConfigError(`${name} must be an integer`);
    return value;
  };
  return {
    signerKey: env.FIREBASE_SCRYPT_SIGNER_KEY as string,
    saltSeparator: env.FIREBASE_SCRYPT_SALT_SEPARATOR as string,
    rounds: integer('FIREBASE_SCRYPT_ROUNDS'),
    memCost: integer('FIREBASE_SCRYPT_MEM_COST'),
  };
}
