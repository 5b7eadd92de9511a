// @ts-check
import { ApiError, call, del } from './api.js';
import { busy, formatDate, h, messageArea } from './dom.js';
import { deviceOf } from './section-sessions.js';

/**
 * @typedef {{ id: string, createdAt: string, lastUsedAt: string | null, expiresAt: string, ip: string | null, userAgent: string | null, current: boolean, madeByAdmin?: boolean }} AppView
 */

/**
 * Apps signed in as you with tokens (refresh-token families); sign one out. Hidden when the app does not
 * list token sign-in.
 * @type {import('./account-modules.js').AccountSection}
 */
export const appsSection = {
  id: 'apps',
  title: 'Signed-in apps',
  render: async (context) => {
    /** @type {AppView[]} */
    let apps;
    try {
      apps = (await call('GET', '/token-families')).body;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
    const area = messageArea();
    if (!apps.length) return h('p', { class: 'hint' }, 'No app is signed in as you.');
    const rows = apps.map((app) => {
      const end = /** @type {HTMLButtonElement} */ (
        h(
          'button',
          { type: 'button', class: 'secondary', 'aria-label': `Sign out the app ${deviceOf(app)}` },
          'Sign out',
        )
      );
      end.addEventListener('click', () =>
        busy(end, area, async () => {
          await del(`/token-families/${encodeURIComponent(app.id)}`);
          await context.refresh('apps');
        }),
      );
      return h(
        'tr',
        { 'data-app': app.id },
        h(
          'td',
          { 'data-label': 'App' },
          deviceOf(app),
          app.madeByAdmin ? h('span', { class: 'badge badge-warn' }, 'by an admin (impersonation)') : null,
        ),
        h('td', { 'data-label': 'IP address' }, app.ip ?? '—'),
        h('td', { 'data-label': 'Signed in' }, formatDate(app.createdAt)),
        h('td', { 'data-label': 'Last used' }, formatDate(app.lastUsedAt)),
        h('td', { 'data-label': 'Expires' }, formatDate(app.expiresAt)),
        h('td', { 'data-label': '' }, app.current ? null : end),
      );
    });
    return h(
      'div',
      {},
      h(
        'table',
        { class: 'list' },
        h('caption', { class: 'visually-hidden' }, 'Apps signed in as you'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['App', 'IP address', 'Signed in', 'Last used', 'Expires', ''].map((title) =>
              h('th', { scope: 'col' }, title),
            ),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
      area,
    );
  },
};
