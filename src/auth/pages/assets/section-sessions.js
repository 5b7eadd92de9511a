// @ts-check
import { del, get, post } from './api.js';
import { busy, formatDate, h, messageArea, say } from './dom.js';

/**
 * @typedef {{ id: string, createdAt: string, lastSeenAt: string | null, expiresAt: string, ip: string | null, userAgent: string | null, current: boolean, actor?: { id: string, email: string | null } | null }} SessionView
 */

/** Where you are signed in; end one, all others, or everything. @type {import('./account-modules.js').AccountSection} */
export const sessionsSection = {
  id: 'sessions',
  title: 'Where you are signed in',
  render: async (context) => {
    /** @type {SessionView[]} */
    const sessions = await get('/sessions');
    const area = messageArea();
    const rows = sessions.map((session) => {
      const end = /** @type {HTMLButtonElement} */ (
        h(
          'button',
          { type: 'button', class: 'secondary', 'aria-label': `Sign out the session from ${deviceOf(session)}` },
          'Sign out',
        )
      );
      end.addEventListener('click', () =>
        busy(end, area, async () => {
          await del(`/sessions/${encodeURIComponent(session.id)}`);
          await context.refresh('sessions');
        }),
      );
      return h(
        'tr',
        { 'data-session': session.id, class: session.current ? 'current' : undefined },
        h(
          'td',
          { 'data-label': 'Device' },
          deviceOf(session),
          session.current ? h('span', { class: 'badge badge-ok' }, 'this browser') : null,
          session.actor
            ? h('span', { class: 'badge badge-warn' }, `by ${session.actor.email ?? 'an admin'} (impersonation)`)
            : null,
        ),
        h('td', { 'data-label': 'IP address' }, session.ip ?? '—'),
        h('td', { 'data-label': 'Signed in' }, formatDate(session.createdAt)),
        h('td', { 'data-label': 'Last active' }, formatDate(session.lastSeenAt)),
        h('td', { 'data-label': 'Expires' }, formatDate(session.expiresAt)),
        h('td', { 'data-label': '' }, session.current ? null : end),
      );
    });

    const endOthers = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'secondary' }, 'Sign out all other sessions')
    );
    endOthers.addEventListener('click', () =>
      busy(endOthers, area, async () => {
        await del('/sessions');
        await context.refresh('sessions');
      }),
    );
    const everywhere = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'danger' }, 'Sign out everywhere')
    );
    everywhere.addEventListener('click', () =>
      busy(everywhere, area, async () => {
        await post('/logout-all');
        context.signedOut();
      }),
    );
    const others = sessions.filter((session) => !session.current).length;
    if (!others) say(area, 'No other sessions.', 'info');

    return h(
      'div',
      {},
      h(
        'table',
        { class: 'list' },
        h('caption', { class: 'visually-hidden' }, 'Your sessions'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Device', 'IP address', 'Signed in', 'Last active', 'Expires', ''].map((title) =>
              h('th', { scope: 'col' }, title),
            ),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
      area,
      h(
        'div',
        { class: 'row' },
        others ? endOthers : null,
        everywhere,
        h('small', { class: 'hint' }, '“Everywhere” also ends the tokens of apps that signed in as you.'),
      ),
    );
  },
};

/**
 * A short name for a browser or app from its User-Agent, as text.
 * @param {{ userAgent: string | null }} session
 */
export function deviceOf(session) {
  const agent = session.userAgent ?? '';
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Firefox\//.test(agent)
      ? 'Firefox'
      : /Chrome\/|Chromium\//.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : null;
  const system = /Android/.test(agent)
    ? 'Android'
    : /iPhone|iPad/.test(agent)
      ? 'iOS'
      : /Windows/.test(agent)
        ? 'Windows'
        : /Mac OS X/.test(agent)
          ? 'macOS'
          : /Linux/.test(agent)
            ? 'Linux'
            : null;
  if (browser && system) return `${browser} on ${system}`;
  return agent ? agent.slice(0, 60) : 'Unknown device';
}
