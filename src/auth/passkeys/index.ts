// The services of the `passkeys` feature: `import { Passkeys } from '@nest-auth/core/passkeys'` (loads @simplewebauthn/server).
export { Passkeys } from './passkeys.service';
export type { PasskeyView, AssertionExpectations } from './passkeys.service';
