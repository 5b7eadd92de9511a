// @ts-check
/**
 * Where the pages and the module's routes are mounted: the one place page code learns a path. The server
 * fills the meta tags with the paths the app really answers at (Nest's global prefix, the module's routes
 * prefix), so nothing else in the pages may write `/auth/...`, `/account` or `/admin` itself:
 * `call('GET', '/me')` for a route of the module, `pagePath.account` for a link to a page.
 */

/** @param {string} name @param {string} fallback */
const meta = (name, fallback) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') || fallback;

/** The module's routes, e.g. `/auth` or `/api/auth`; `api.js` puts it in front of every call's path. */
export const apiPrefix = meta('nest-auth-api', '/auth');

/** The pages, e.g. `{ account: '/api/account', admin: '/api/admin' }`. */
export const pagePath = Object.freeze({
  account: meta('nest-auth-account', '/account'),
  admin: meta('nest-auth-admin', '/admin'),
});

/** An organization's page, e.g. `/account/orgs/<id>`. @param {string} orgId */
export const orgPagePath = (orgId) => `${pagePath.account}/orgs/${encodeURIComponent(orgId)}`;

/** The organization the current page shows: from its own URL only, so two tabs never mix. */
export function orgIdOfPage() {
  const prefix = `${pagePath.account}/orgs/`;
  if (!location.pathname.startsWith(prefix)) return '';
  try {
    return decodeURIComponent(location.pathname.slice(prefix.length));
  } catch {
    return '';
  }
}
