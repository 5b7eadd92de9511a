import type { AuthFeature } from '../core/auth-feature';
import { linkedToUsers } from '../core/user-foreign-key';
import { CreateOrgTables1796083220000 } from './migrations/1796083220000-CreateOrgTables';
import { ORG_SCHEMAS } from './org.entities';
import { InvitationsController, OrgsController } from './orgs.controller';
import { OrgsModule } from './orgs.module';
import { ORGS_OPTIONS, OrgsOptions, resolveOrgsOptions } from './orgs.options';

/**
 * Organizations (tenants) with members, roles and permissions, invitations by email, organization-owned
 * API keys and per-organization audit; routes say `@Auth({ org: 'orgId', permissions: [...] })`.
 * Options: `orgs`. Uses, when listed beside it: `email` (invitations go through its mail queue; without
 * it, `orgs.deliverInvitation`), `apiKeys` (organization-owned keys), `mfa`/`passkeys` (`requireMfa`).
 */
export const orgs: AuthFeature = {
  name: 'orgs',
  options: [
    {
      token: ORGS_OPTIONS,
      resolve: (o: { orgs?: OrgsOptions; email?: { publicUrl?: string } }) =>
        resolveOrgsOptions(o.orgs, o.email?.publicUrl),
    },
  ],
  module: (base, composition) => OrgsModule.register(composition.listed.has('email'), ...base),
  controllers: [OrgsController, InvitationsController],
  schemas: ORG_SCHEMAS,
  migrations: ({ builtInUsers }) => [linkedToUsers(CreateOrgTables1796083220000, ['auth_org_members'], builtInUsers)],
};
