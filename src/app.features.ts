import {
  apiKeys,
  AuthFeature,
  email,
  jwt,
  metrics,
  mfa,
  mtls,
  oidc,
  orgs,
  pages,
  passkeys,
  password,
  sessions,
  webhooks,
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
  orgs,
  metrics,
  pages,
  webhooks,
];
