import type { AuthFeature } from '../core/auth-feature';
import { ImpersonationController } from './impersonation.controller';
import { ImpersonationModule } from './impersonation.module';
import { IMPERSONATION_OPTIONS, ImpersonationOptions, resolveImpersonationOptions } from './impersonation.options';

/**
 * Admins acting as users to see what they see (`POST /auth/admin/users/:id/impersonate`,
 * `POST /auth/impersonation/end`): limited in time, audited on both users with a reason, never as an
 * admin, never through a route that needs a fresh authentication or changes how the user signs in.
 * Options: `impersonation`. Sessions keep the admin's own session aside to return to.
 */
export const impersonation: AuthFeature = {
  name: 'impersonation',
  options: [
    {
      token: IMPERSONATION_OPTIONS,
      resolve: (o: { impersonation?: ImpersonationOptions }) => resolveImpersonationOptions(o.impersonation),
    },
  ],
  module: (base) => ImpersonationModule.register(...base),
  controllers: [ImpersonationController],
};
