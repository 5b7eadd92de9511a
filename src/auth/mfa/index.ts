// The services of the `mfa` feature: `import { OneTimeCodes } from '@nest-auth/core/mfa'` (loads otplib).
export { OneTimeCodes } from './one-time-codes.service';
