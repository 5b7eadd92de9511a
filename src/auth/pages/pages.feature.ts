import type { AuthFeature } from '../core/auth-feature';
import { AuthPagesModule } from './pages.module';

/** The account and admin pages at `/account`, `/account/reset-password` and `/admin`, calling the module's own routes. */
export const pages: AuthFeature = {
  name: 'pages',
  requires: ['sessions', 'password'],
  module: (base, { routesPrefix }) => {
    if (routesPrefix === null)
      throw new Error('AuthModule: feature "pages" needs the built-in routes (routes: false leaves them out)');
    return AuthPagesModule.register({ apiPrefix: `/${routesPrefix}` }, ...base);
  },
};
