/** Injection token of the path the built-in routes are mounted under (`auth`), or null without routes: redirect URIs are built on it. */
export const OIDC_ROUTES_PREFIX = Symbol('OIDC_ROUTES_PREFIX');
