// @ts-check
import { call } from './api.js';
import { h } from './dom.js';
import { pagePath } from './paths.js';

/**
 * A link per OpenID provider of `GET /auth/oidc/providers`: a plain navigation to its `loginUrl`, which
 * redirects to the provider and, after the callback, back here signed in.
 * @type {import('./account-modules.js').SignInMethod}
 */
export const oidcSignIn = {
  id: 'oidc',
  render: async () => {
    /** @type {Array<{ name: string, loginUrl: string }>} */
    let providers;
    try {
      providers = (await call('GET', '/oidc/providers', undefined, { expectSignedIn: false })).body;
    } catch {
      // OpenID sign-in off (404) or unreachable: the other ways to sign in still work.
      return null;
    }
    if (!Array.isArray(providers) || providers.length === 0) return null;
    return h(
      'div',
      { class: 'card alternative-sign-in', id: 'oidc-sign-in' },
      h(
        'ul',
        { class: 'providers' },
        ...providers.map((provider) =>
          h(
            'li',
            {},
            h(
              'a',
              { class: 'button secondary', href: loginHref(provider.loginUrl) },
              `Sign in with ${providerTitle(provider.name)}`,
            ),
          ),
        ),
      ),
    );
  },
};

/** @param {string} loginUrl a path on this origin */
function loginHref(loginUrl) {
  const url = new URL(loginUrl, location.origin);
  url.searchParams.set('returnTo', pagePath.account);
  return url.pathname + url.search;
}

/** `google` → `Google`: the configured name, as a person would write it. @param {string} name */
export function providerTitle(name) {
  return name ? name[0].toUpperCase() + name.slice(1) : name;
}
