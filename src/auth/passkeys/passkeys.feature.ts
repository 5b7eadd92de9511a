import type { AuthFeature } from '../core/auth-feature';
import { linkedToUsers } from '../core/user-foreign-key';
import { CreatePasskeys1796083211000 } from './migrations/1796083211000-CreatePasskeys';
import { passkeySchema } from './passkey.entity';
import { PASSKEY_OPTIONS, PasskeyOptions, resolvePasskeyOptions } from './passkeys.options';

/** Passkeys (WebAuthn): passwordless sign-in, and a second factor where `mfa` is listed. Options: `passkeys`. Loads @simplewebauthn/server. */
export const passkeys: AuthFeature = {
  name: 'passkeys',
  packages: ['@simplewebauthn/server'],
  options: [
    { token: PASSKEY_OPTIONS, resolve: (o: { passkeys?: PasskeyOptions }) => resolvePasskeyOptions(o.passkeys) },
  ],
  module: (base) =>
    (require('./passkeys.module') as typeof import('./passkeys.module')).PasskeysModule.register(...base),
  get controllers() {
    return [(require('./passkeys.controller') as typeof import('./passkeys.controller')).PasskeysController];
  },
  schemas: [passkeySchema],
  migrations: ({ builtInUsers }) => [linkedToUsers(CreatePasskeys1796083211000, ['auth_passkeys'], builtInUsers)],
};
