import type { AuthFeature } from '../core/auth-feature';
import { linkedToUsers } from '../core/user-foreign-key';
import { identitySchema } from './identity.entity';
import { CreateIdentities1796083209000 } from './migrations/1796083209000-CreateIdentities';
import { OIDC_OPTIONS, OidcOptions, resolveOidcOptions } from './oidc.options';

/** Sign-in with OpenID providers (browser and mobile flows) and the identities linked to users. Options: `oidc`. Loads openid-client. */
export const oidc: AuthFeature = {
  name: 'oidc',
  packages: ['openid-client'],
  options: [{ token: OIDC_OPTIONS, resolve: (o: { oidc?: OidcOptions }) => resolveOidcOptions(o.oidc) }],
  module: (base, { routesPrefix }) =>
    (require('./oidc.module') as typeof import('./oidc.module')).OidcModule.register(routesPrefix, ...base),
  get controllers() {
    return [(require('./oidc.controller') as typeof import('./oidc.controller')).OidcController];
  },
  schemas: [identitySchema],
  migrations: ({ builtInUsers }) => [linkedToUsers(CreateIdentities1796083209000, ['auth_identities'], builtInUsers)],
};
