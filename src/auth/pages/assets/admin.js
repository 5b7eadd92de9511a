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
import { adminUserView } from './admin-user-view.js';
import { auditTable } from './audit-table.js';
import { busy, formatDate, formValues, h, messageArea, replaceChildren, say } from './dom.js';
import { showImpersonationBanner } from './impersonation-banner.js';
import { pagePath } from './paths.js';
import { askToReauthenticate } from './reauthenticate-dialog.js';
import { webhooksSection } from './section-webhooks.js';

/**
 * @typedef {{ id: string, email: string, name: string | null, roles: string[], emailVerified: boolean, disabled: boolean, disabledAt: string | null, createdAt: string | null }} ListedUser
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
  showImpersonationBanner(me);
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
  const audit = auditSection((userId) => openUser(userId));
  const detail = h('div', { id: 'user-detail-slot' });
  /** @param {string} userId */
  const openUser = (userId) => {
    const view = adminUserView(userId, {
      selfId: me.user.id,
      closed: () => replaceChildren(detail),
      changed: () => refreshUsers(),
      openUser,
    });
    replaceChildren(detail, view.element);
    view.element.scrollIntoView();
    view.element.focus({ preventScroll: true });
    return view.load();
  };
  replaceChildren(
    main,
    h('h1', {}, 'Administration'),
    usersSection(me.user.id, openUser, (userId) => audit.show(userId)),
    detail,
    audit.element,
  );
  await Promise.all([searchUsers(''), audit.load()]);
  const webhooks = await webhooksSection().catch(() => null);
  if (webhooks) main.append(webhooks);
  setInterval(() => void get('/me').catch(() => {}), 10_000);
}

/** @type {(query: string) => Promise<void>} */
let searchUsers = async () => {};
/** Shows the users list again from its first page, as last searched (after a change to one of them). */
let refreshUsers = async () => {};

/**
 * @param {string} selfId
 * @param {(userId: string) => void} openUser
 * @param {(userId: string) => void} showAudit
 */
function usersSection(selfId, openUser, showAudit) {
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
    if (append) {
      if (!cursor) return;
      params.set('cursor', cursor);
    }
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
        h(
          'button',
          { type: 'button', class: 'link', 'aria-label': `Open ${user.email}`, onclick: () => void openUser(user.id) },
          user.email,
        ),
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
  refreshUsers = () => busy(form, area, () => load(false));

  return h(
    'section',
    { id: 'users', class: 'card', 'aria-labelledby': 'users-title' },
    h('h2', { id: 'users-title' }, 'Users'),
    form,
    h(
      'table',
      { class: 'list' },
      h('caption', { class: 'visually-hidden' }, 'Users; open one to see their devices, keys and audit events'),
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

/** @param {(userId: string) => void} openUser */
function auditSection(openUser) {
  const table = auditTable('Audit events, newest first', openUser);
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
          ...['50', '100', '500'].map((n) => h('option', { value: n }, `${n} at a time`)),
        ),
      ),
      h('button', { type: 'submit' }, 'Filter'),
    )
  );
  const load = () => {
    const { userId, type, limit } = formValues(form);
    const params = new URLSearchParams({ limit });
    if (userId.trim()) params.set('userId', userId.trim());
    if (type) params.set('type', type);
    return table.load(params);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, table.area, load);
  });
  const element = h(
    'section',
    { id: 'audit', class: 'card', 'aria-labelledby': 'audit-title' },
    h('h2', { id: 'audit-title' }, 'Audit log'),
    form,
    table.element,
  );
  return {
    element,
    load: () => busy(form, table.area, load),
    show: (/** @type {string} */ userId) => {
      const input = /** @type {HTMLInputElement} */ (form.querySelector('#audit-user'));
      input.value = userId;
      void busy(form, table.area, load);
      element.scrollIntoView();
      input.focus();
    },
  };
}

void start();
