// @ts-check
import {
  ApiError,
  call,
  describeError,
  get,
  onReauthenticationRequired,
  onSignedOut,
  post,
  setCsrfToken,
} from './api.js';
import { busy, formatDate, formValues, h, messageArea, replaceChildren, say } from './dom.js';
import { pagePath } from './paths.js';
import { askToReauthenticate } from './reauthenticate-dialog.js';
import { webhooksSection } from './section-webhooks.js';

/**
 * @typedef {{ id: string, email: string, name: string | null, roles: string[], emailVerified: boolean, disabled: boolean, disabledAt: string | null, createdAt: string | null }} ListedUser
 * @typedef {{ id: string, type: string, userId: string | null, actorId: string | null, mechanism: string | null, ip: string | null, userAgent: string | null, detail: Record<string, unknown> | null, createdAt: string }} AuditEvent
 */

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const userBar = /** @type {HTMLElement} */ (document.getElementById('user-bar'));
/** The audit event types the server knows, from `<meta name="nest-auth-audit-types">`. */
const EVENT_TYPES = (document.querySelector('meta[name="nest-auth-audit-types"]')?.getAttribute('content') ?? '')
  .split(' ')
  .filter(Boolean);

onSignedOut(() => showSignedOut('Your session has ended. Sign in again to continue.'));
onReauthenticationRequired(askToReauthenticate);

/** @param {string} text */
function showSignedOut(text) {
  const area = messageArea();
  say(area, text, 'info');
  replaceChildren(userBar);
  replaceChildren(main, h('h1', {}, 'Administration'), area, h('p', {}, h('a', { href: pagePath.account }, 'Sign in')));
}

async function start() {
  let me;
  try {
    me = (await call('GET', '/me', undefined, { expectSignedIn: false })).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401)
      return showSignedOut('Sign in with an admin account to use this page.');
    const area = messageArea();
    say(area, describeError(error), 'error');
    return replaceChildren(main, h('h1', {}, 'Administration'), area);
  }
  replaceChildren(
    userBar,
    h('span', { class: 'who' }, me.user.email),
    h('a', { href: pagePath.account, class: 'button secondary' }, 'Your account'),
  );
  if (!me.user.roles.includes('admin')) {
    const area = messageArea();
    say(area, 'This page is for admins. Your account does not have the admin role.', 'error');
    return replaceChildren(main, h('h1', {}, 'Administration'), area);
  }
  setCsrfToken((await get('/csrf')).csrfToken);
  const audit = auditSection();
  replaceChildren(
    main,
    h('h1', {}, 'Administration'),
    usersSection(me.user.id, (userId) => audit.show(userId)),
    audit.element,
  );
  await Promise.all([searchUsers(''), audit.load()]);
  const webhooks = await webhooksSection().catch(() => null);
  if (webhooks) main.append(webhooks);
  setInterval(() => void get('/me').catch(() => {}), 10_000);
}

/** @type {(query: string) => Promise<void>} */
let searchUsers = async () => {};

/**
 * @param {string} selfId
 * @param {(userId: string) => void} showAudit
 */
function usersSection(selfId, showAudit) {
  const area = messageArea();
  const body = h('tbody');
  const more = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more')
  );
  let query = '';
  /** @type {string | null} */
  let cursor = null;

  const load = async (/** @type {boolean} */ append) => {
    const params = new URLSearchParams({ limit: '20' });
    if (query) params.set('query', query);
    if (append && cursor) params.set('cursor', cursor);
    /** @type {{ items: ListedUser[], nextCursor: string | null }} */
    const page = await get(`/admin/users?${params}`);
    if (!append) body.replaceChildren();
    for (const user of page.items) body.append(userRow(user));
    cursor = page.nextCursor;
    more.hidden = !cursor;
    say(area, !append && page.items.length === 0 ? 'No users match.' : '', 'info');
  };

  /** @param {ListedUser} user */
  const userRow = (user) => {
    const actions = h('td', { 'data-label': '' });
    const row = h(
      'tr',
      { 'data-user': user.id },
      h(
        'td',
        { 'data-label': 'Email' },
        user.email,
        user.emailVerified ? null : h('span', { class: 'badge badge-warn' }, 'unverified'),
      ),
      h('td', { 'data-label': 'Name' }, user.name ?? '—'),
      h('td', { 'data-label': 'Roles' }, user.roles.join(', ')),
      h('td', { 'data-label': 'Created' }, formatDate(user.createdAt)),
      h(
        'td',
        { 'data-label': 'Status' },
        user.disabled
          ? h('span', { class: 'badge badge-warn' }, 'disabled')
          : h('span', { class: 'badge badge-ok' }, 'active'),
      ),
      actions,
    );
    const refresh = async () => {
      const fresh = (await get(`/admin/users?${new URLSearchParams({ query: user.email, limit: '100' })}`)).items.find(
        (/** @type {ListedUser} */ candidate) => candidate.id === user.id,
      );
      if (fresh) row.replaceWith(userRow(fresh));
    };
    /**
     * @param {string} label
     * @param {string} action
     * @param {string} done
     * @param {string} kind
     */
    const actionButton = (label, action, done, kind) => {
      const button = /** @type {HTMLButtonElement} */ (
        h('button', { type: 'button', class: kind, 'aria-label': `${label}: ${user.email}` }, label)
      );
      button.addEventListener('click', () =>
        busy(button, area, async () => {
          await post(`/admin/users/${encodeURIComponent(user.id)}/${action}`);
          say(area, `${user.email}: ${done}`, 'success');
          await refresh();
        }),
      );
      return button;
    };
    const audit = h('button', { type: 'button', class: 'link', onclick: () => showAudit(user.id) }, 'Audit log');
    if (user.id === selfId) replaceChildren(actions, h('small', { class: 'hint' }, 'you'), audit);
    else
      replaceChildren(
        actions,
        user.disabled
          ? actionButton('Enable', 'enable', 'enabled; they may sign in again.', 'secondary')
          : actionButton('Disable', 'disable', 'disabled; every session, token and API key stopped working.', 'danger'),
        actionButton('Sign out everywhere', 'logout-all', 'every session and token ended.', 'secondary'),
        audit,
      );
    return row;
  };

  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { role: 'search', class: 'row', 'aria-label': 'Search users' },
      h('label', { for: 'user-query' }, 'Email contains'),
      h('input', { id: 'user-query', name: 'query', type: 'search', maxlength: 254, autocomplete: 'off' }),
      h('button', { type: 'submit' }, 'Search'),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    query = formValues(form).query.trim();
    void busy(form, area, () => load(false));
  });
  more.addEventListener('click', () => busy(more, area, () => load(true)));
  searchUsers = async (text) => {
    query = text;
    await busy(form, area, () => load(false));
  };

  return h(
    'section',
    { id: 'users', class: 'card', 'aria-labelledby': 'users-title' },
    h('h2', { id: 'users-title' }, 'Users'),
    form,
    h(
      'table',
      { class: 'list' },
      h('caption', { class: 'visually-hidden' }, 'Users'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Email', 'Name', 'Roles', 'Created', 'Status', ''].map((title) => h('th', { scope: 'col' }, title)),
        ),
      ),
      body,
    ),
    area,
    more,
  );
}

function auditSection() {
  const area = messageArea();
  const body = h('tbody');
  const typeSelect = h(
    'select',
    { id: 'audit-type', name: 'type' },
    h('option', { value: '' }, 'any'),
    ...EVENT_TYPES.map((type) => h('option', { value: type }, type)),
  );
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { class: 'filters', 'aria-label': 'Filter the audit log' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'audit-user' }, 'User id'),
        h('input', { id: 'audit-user', name: 'userId', type: 'text', maxlength: 64, autocomplete: 'off' }),
      ),
      h('div', { class: 'field' }, h('label', { for: 'audit-type' }, 'Event'), typeSelect),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'audit-limit' }, 'Show'),
        h(
          'select',
          { id: 'audit-limit', name: 'limit' },
          ...['50', '100', '500'].map((n) => h('option', { value: n }, `${n} newest`)),
        ),
      ),
      h('button', { type: 'submit' }, 'Filter'),
    )
  );
  const load = async () => {
    const { userId, type, limit } = formValues(form);
    const params = new URLSearchParams({ limit });
    if (userId.trim()) params.set('userId', userId.trim());
    if (type) params.set('type', type);
    /** @type {AuditEvent[]} */
    const events = await get(`/admin/audit?${params}`);
    body.replaceChildren(
      ...events.map((event) =>
        h(
          'tr',
          {},
          h('td', { 'data-label': 'When' }, formatDate(event.createdAt)),
          h('td', { 'data-label': 'Event' }, h('code', {}, event.type)),
          h('td', { 'data-label': 'User' }, event.userId ?? '—'),
          h('td', { 'data-label': 'By' }, event.actorId ?? '—'),
          h('td', { 'data-label': 'Via' }, event.mechanism ?? '—'),
          h('td', { 'data-label': 'IP address' }, event.ip ?? '—'),
          h(
            'td',
            { 'data-label': 'Details' },
            event.detail
              ? Object.entries(event.detail)
                  .map(([k, v]) => `${k}: ${String(v)}`)
                  .join(', ')
              : '—',
          ),
        ),
      ),
    );
    say(area, events.length ? '' : 'No events match.', 'info');
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, area, load);
  });
  const element = h(
    'section',
    { id: 'audit', class: 'card', 'aria-labelledby': 'audit-title' },
    h('h2', { id: 'audit-title' }, 'Audit log'),
    form,
    h(
      'table',
      { class: 'list' },
      h('caption', { class: 'visually-hidden' }, 'Audit events, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['When', 'Event', 'User', 'By', 'Via', 'IP address', 'Details'].map((title) =>
            h('th', { scope: 'col' }, title),
          ),
        ),
      ),
      body,
    ),
    area,
  );
  return {
    element,
    load: () => busy(form, area, load),
    show: (/** @type {string} */ userId) => {
      const input = /** @type {HTMLInputElement} */ (form.querySelector('#audit-user'));
      input.value = userId;
      void busy(form, area, load);
      element.scrollIntoView();
      input.focus();
    },
  };
}

void start();
