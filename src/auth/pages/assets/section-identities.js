// @ts-check
import { ApiError, call, del, post } from './api.js';
import { busy, formatDate, h, messageArea, replaceChildren, say } from './dom.js';
import { pagePath } from './paths.js';
import { providerTitle } from './sign-in-oidc.js';

/** @typedef {{ id: string, provider: string, email: string | null, createdAt: string }} IdentityView */

const SECTION_ID = 'linked-accounts';

/**
 * Accounts at OpenID providers that sign in as this user: link one (a POST with the CSRF token answers
 * the provider's URL, then a plain navigation through the provider and back), unlink one.
 * @type {import('./account-modules.js').AccountSection}
 */
export const identitiesSection = {
  id: SECTION_ID,
  title: 'Linked accounts',
  render: async (context) => {
    /** @type {Array<{ name: string }>} */
    let providers;
    try {
      providers = (await call('GET', '/oidc/providers', undefined, { expectSignedIn: false })).body;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
    /** @type {IdentityView[]} */
    const identities = (await call('GET', '/identities')).body;
    if (providers.length === 0 && identities.length === 0) return null;
    const area = messageArea();
    const reload = () => context.refresh(SECTION_ID);
    return h(
      'div',
      {},
      identities.length
        ? h(
            'table',
            { class: 'list' },
            h('caption', { class: 'visually-hidden' }, 'Your linked accounts'),
            h(
              'thead',
              {},
              h('tr', {}, ...['Provider', 'Email', 'Linked', ''].map((title) => h('th', { scope: 'col' }, title))),
            ),
            h('tbody', {}, ...identities.map((identity) => identityRow(identity, area, reload))),
          )
        : h('p', {}, 'No linked accounts. Link one to sign in with it instead of your password.'),
      area,
      providers.length
        ? h('ul', { class: 'providers' }, ...providers.map((provider) => h('li', {}, linkButton(provider.name, area))))
        : null,
    );
  },
};

/**
 * @param {string} provider
 * @param {HTMLElement} area
 */
function linkButton(provider, area) {
  const button = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', class: 'secondary' }, `Link ${providerTitle(provider)}`)
  );
  button.addEventListener('click', () =>
    busy(button, area, async () => {
      const { url } = (await post(`/oidc/${encodeURIComponent(provider)}/link`, { returnTo: pagePath.account })).body;
      window.location.assign(url);
    }),
  );
  return button;
}

/**
 * @param {IdentityView} identity
 * @param {HTMLElement} area
 * @param {() => Promise<void>} reload
 */
function identityRow(identity, area, reload) {
  const title = providerTitle(identity.provider);
  const actions = h('td', { 'data-label': '' });
  const showActions = () => {
    const unlink = h('button', { type: 'button', class: 'danger', 'aria-label': `Unlink ${title}` }, 'Unlink');
    unlink.addEventListener('click', () => confirmUnlink());
    replaceChildren(actions, unlink);
  };
  const confirmUnlink = () => {
    const yes = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'danger' }, 'Unlink now'));
    const no = h('button', { type: 'button', class: 'secondary', onclick: showActions }, 'Cancel');
    yes.addEventListener('click', () =>
      busy(yes, area, async () => {
        await del(`/identities/${encodeURIComponent(identity.id)}`);
        await reload();
        const message = document.querySelector(`#${SECTION_ID} .message`);
        if (message instanceof HTMLElement) say(message, `${title} is unlinked.`, 'success');
      }),
    );
    replaceChildren(
      actions,
      h('span', { class: 'confirm' }, `Unlink ${title}? You can no longer sign in with it.`),
      yes,
      no,
    );
    yes.focus();
  };
  showActions();
  return h(
    'tr',
    { 'data-identity': identity.id },
    h('td', { 'data-label': 'Provider' }, title),
    h('td', { 'data-label': 'Email' }, identity.email ?? '—'),
    h('td', { 'data-label': 'Linked' }, formatDate(identity.createdAt)),
    actions,
  );
}
