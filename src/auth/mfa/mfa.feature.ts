import type { AuthFeature } from '../core/auth-feature';
import { linkedToUsers } from '../core/user-foreign-key';
import { CreateMfaTables1796083210000 } from './migrations/1796083210000-CreateMfaTables';
import { mfaChallengeSchema } from './mfa-challenge.entity';
import { mfaRecoveryCodeSchema } from './mfa-recovery-code.entity';
import { mfaTotpSchema } from './mfa-totp.entity';
import { MFA_OPTIONS, MfaOptions, resolveMfaOptions } from './mfa.options';

/**
 * A second step after every first factor of a user who has a second factor: TOTP and recovery codes,
 * and the step passkeys join as a second factor. Options: `mfa` (encryptionKeys required). Loads otplib.
 */
export const mfa: AuthFeature = {
  name: 'mfa',
  requires: ['password'],
  packages: ['otplib'],
  options: [{ token: MFA_OPTIONS, resolve: (o: { mfa?: MfaOptions }) => resolveMfaOptions(o.mfa) }],
  module: (base) => (require('./mfa.module') as typeof import('./mfa.module')).MfaModule.register(...base),
  get controllers() {
    return [(require('./mfa.controller') as typeof import('./mfa.controller')).MfaController];
  },
  schemas: [mfaTotpSchema, mfaRecoveryCodeSchema, mfaChallengeSchema],
  migrations: ({ builtInUsers }) => [
    linkedToUsers(
      CreateMfaTables1796083210000,
      ['auth_mfa_totp', 'auth_mfa_recovery_codes', 'auth_mfa_challenges'],
      builtInUsers,
    ),
  ],
};
