import {
  apiKeys,
  AuthFeature,
  email,
  impersonation,
  jwt,
  metrics,
  mfa,
  mtls,
  oidc,
  pages,
  passkeys,
  password,
  sessions,
} from './auth';

/** Every feature of the module, as the reference app serves them: the one list the module, the schema and the CLI read. */
export const referenceFeatures: AuthFeature[] = [
  sessions,
  jwt,
  apiKeys,
  mtls,
  password,
  email,
  mfa,
  passkeys,
  oidc,
  impersonation,
  metrics,
  pages,
];
