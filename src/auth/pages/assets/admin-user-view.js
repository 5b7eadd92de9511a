// @ts-check
import { call, del, describeError, get, post } from './api.js';
import { auditTable } from './audit-table.js';
import { busy, field, formatDate, formValues, h, messageArea, replaceChildren, say } from './dom.js';
import { pagePath } from './paths.js';
import { deviceOf } from './section-sessions.js';

/**
 * @typedef {{ id: string, createdAt: string, lastSeenAt: string | null, expiresAt: string, ip: string | null, userAgent: string | null, actor: { id: string, email: string | null } | null }} AdminSessionView
 * @typedef {{ id: string, createdAt: string, lastUsedAt: string | null, expiresAt: string, ip: string | null, userAgent: string | null, actorId: string | null }} AdminFamilyView
 * @typedef {{ id: string, name: string, prefix: string, scopes: string[], createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null }} AdminKeyView
 * @typedef {{ id: string, name: string, createdAt: string, lastUsedAt: string | null }} AdminPasskeyView
 * @typedef {{ id: string, provider: string, email: string | null, createdAt: string }} AdminIdentityView
 * @typedef {{ id: string, email: string, name: string | null, roles: string[], emailVerified: boolean, disabled: boolean, sessions?: AdminSessionView[], tokenFamilies?: AdminFamilyView[], apiKeys?: AdminKeyView[], passkeys?: AdminPasskeyView[], identities?: AdminIdentityView[], mfa?: { totp: boolean, recoveryCodesLeft: number } }} AdminUserView
 */

/** How long an impersonation lasts unless the admin says otherwise, and at most (API.md). */
const IMPERSONATION_MINUTES = { default: 15, max: 60 };
const REASON_MIN_LENGTH = 10;

/**
 * An admin's view of one user: profile and roles, every way they are signed in (each can be ended), their
 * keys, passkeys, identities and second factors, their audit events, and the actions on the account.
 * @param {string} userId
 * @param {{ selfId: string, closed: () => void, changed: () => Promise<void>, openUser: (id: string) => void }} context
 *   `changed` refreshes the users list after an action that shows there (disable, roles, deletion)
 */
export function adminUserView(userId, context) {
  const area = messageArea();
  const content = h('div', {}, h('p', {}, 'Loading…'));
  const element = h(
    'section',
    { id: 'user-detail', class: 'card', 'aria-labelledby': 'user-detail-title', tabindex: -1 },
    h(
      'div',
      { class: 'row spread' },
      h('h2', { id: 'user-detail-title' }, 'User'),
      h('button', { type: 'button', class: 'secondary', onclick: context.closed }, 'Close'),
    ),
    area,
    content,
  );
  const path = `/admin/users/${encodeURIComponent(userId)}`;

  const render = async () => {
    /** @type {AdminUserView} */
    const user = await get(path);
    const title = /** @type {HTMLElement} */ (element.querySelector('#user-detail-title'));
    title.textContent = user.email;
    const audit = auditTable(`Audit events of ${user.email}`, context.openUser);
    replaceChildren(
      content,
      profile(user),
      actions(user),
      user.sessions ? devices(user, 'sessions', 'Sessions', user.sessions) : null,
      user.tokenFamilies ? devices(user, 'token-families', 'Signed-in apps', user.tokenFamilies) : null,
      user.apiKeys ? apiKeys(user.apiKeys) : null,
      user.passkeys ? passkeys(user.passkeys) : null,
      user.identities ? identities(user.identities) : null,
      h('h3', {}, 'Audit events'),
      audit.element,
      user.id === context.selfId
        ? null
        : h(
            'div',
            { class: 'side-by-side' },
            user.roles.includes('admin') || user.disabled ? null : impersonateForm(user),
            deleteForm(user),
          ),
    );
    await audit.load(new URLSearchParams({ userId: user.id, limit: '20' }));
  };

  /** @param {AdminUserView} user */
  const profile = (user) => {
    const roles = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { class: 'row', 'aria-label': `Roles of ${user.email}` },
        h('label', { for: 'user-roles' }, 'Roles'),
        h('input', {
          id: 'user-roles',
          name: 'roles',
          type: 'text',
          value: user.roles.join(' '),
          maxlength: 500,
          autocomplete: 'off',
          'aria-describedby': 'user-roles-hint',
        }),
        h('button', { type: 'submit', class: 'secondary' }, 'Save roles'),
        h('small', { id: 'user-roles-hint', class: 'hint' }, 'Separated by spaces; “admin” opens this page to them.'),
      )
    );
    roles.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(roles, area, async () => {
        const list = formValues(roles)
          .roles.split(/[\s,]+/)
          .filter(Boolean);
        const saved = (await call('PATCH', path, { roles: list })).body;
        say(area, `${user.email}: roles are now ${saved.roles.join(', ') || 'none'}.`, 'success');
        await context.changed();
      });
    });
    return h(
      'div',
      {},
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Id'),
        h('dd', {}, h('code', {}, user.id)),
        h('dt', {}, 'Name'),
        h('dd', {}, user.name ?? '—'),
        h('dt', {}, 'Email'),
        h('dd', {}, user.email, user.emailVerified ? null : h('span', { class: 'badge badge-warn' }, 'unverified')),
        h('dt', {}, 'Status'),
        h(
          'dd',
          {},
          user.disabled
            ? h('span', { class: 'badge badge-warn' }, 'disabled')
            : h('span', { class: 'badge badge-ok' }, 'active'),
        ),
        user.mfa ? h('dt', {}, 'Second factor') : null,
        user.mfa
          ? h(
              'dd',
              { id: 'user-mfa' },
              user.mfa.totp
                ? `Authenticator app on, ${user.mfa.recoveryCodesLeft} recovery codes left`
                : 'No authenticator app',
            )
          : null,
      ),
      roles,
    );
  };

  /** @param {AdminUserView} user */
  const actions = (user) => {
    if (user.id === context.selfId)
      return h('p', { class: 'hint' }, 'This is you: change your own account on the account page.');
    /**
     * @param {string} label
     * @param {string} kind
     * @param {() => Promise<string>} action answers what to say once done
     */
    const button = (label, kind, action) => {
      const control = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: kind }, label));
      control.addEventListener('click', () =>
        busy(control, area, async () => {
          const done = await action();
          await render();
          say(area, done, 'success');
          await context.changed();
        }),
      );
      return control;
    };
    const userPath = (/** @type {string} */ action) => `${path}/${action}`;
    return h(
      'div',
      { class: 'row' },
      user.disabled
        ? button('Enable', 'secondary', async () => {
            await post(userPath('enable'));
            return `${user.email}: enabled; they may sign in again.`;
          })
        : button('Disable', 'danger', async () => {
            await post(userPath('disable'));
            return `${user.email}: disabled; every session, token and API key stopped working.`;
          }),
      button('Sign out everywhere', 'secondary', async () => {
        await post(userPath('logout-all'));
        return `${user.email}: every session and token ended.`;
      }),
    );
  };

  /** @param {AdminUserView} user */
  const impersonateForm = (user) => {
    const form = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { id: 'impersonate', 'aria-label': `Impersonate ${user.email}` },
        h('h3', {}, 'Impersonate'),
        h(
          'p',
          { class: 'hint' },
          'See the account as they do. The reason is recorded in both your and their audit trail, and they may be told.',
        ),
        field('Reason', {
          name: 'reason',
          type: 'text',
          required: true,
          minlength: REASON_MIN_LENGTH,
          maxlength: 500,
          autocomplete: 'off',
        }),
        field('Minutes', {
          name: 'minutes',
          type: 'number',
          required: true,
          min: 1,
          max: IMPERSONATION_MINUTES.max,
          value: IMPERSONATION_MINUTES.default,
        }),
        h('button', { type: 'submit', class: 'secondary' }, 'Impersonate'),
      )
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(form, area, async () => {
        const { reason, minutes } = formValues(form);
        await post(`${path}/impersonate`, { reason: reason.trim(), minutes: Number(minutes) });
        location.assign(pagePath.account);
      });
    });
    return form;
  };

  /** @param {AdminUserView} user */
  const deleteForm = (user) => {
    const form = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { id: 'delete-user', 'aria-label': `Delete ${user.email}` },
        h('h3', {}, 'Delete user'),
        h(
          'p',
          { class: 'hint' },
          'Ends every credential, removes the account and what it owns, and leaves the audit trail without their email. It cannot be undone.',
        ),
        field('Type the user’s email to confirm', {
          name: 'confirm',
          type: 'email',
          required: true,
          maxlength: 254,
          autocomplete: 'off',
        }),
        h('button', { type: 'submit', class: 'danger' }, 'Delete user'),
      )
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(form, area, async () => {
        if (formValues(form).confirm.trim().toLowerCase() !== user.email.toLowerCase()) {
          say(area, 'That is not this user’s email. Nothing was deleted.', 'error');
          return;
        }
        await del(path);
        replaceChildren(content);
        say(area, `${user.email} is deleted.`, 'success');
        await context.changed();
      });
    });
    return form;
  };

  /**
   * Sessions or signed-in apps, each with "End".
   * @param {AdminUserView} user
   * @param {'sessions' | 'token-families'} kind
   * @param {string} title
   * @param {Array<AdminSessionView | AdminFamilyView>} items
   */
  const devices = (user, kind, title, items) => {
    const id = kind === 'sessions' ? 'user-sessions' : 'user-apps';
    if (!items.length) return h('div', { id }, h('h3', {}, title), h('p', { class: 'hint' }, 'None.'));
    return h(
      'div',
      { id },
      h('h3', {}, title),
      table(
        `${title} of ${user.email}`,
        ['Device', 'IP address', 'Signed in', 'Last active', 'Expires', ''],
        items.map((item) => {
          const end = /** @type {HTMLButtonElement} */ (
            h('button', { type: 'button', class: 'secondary', 'aria-label': `End: ${deviceOf(item)}` }, 'End')
          );
          end.addEventListener('click', () =>
            busy(end, area, async () => {
              await del(`${path}/${kind}/${encodeURIComponent(item.id)}`);
              await render();
              say(area, `Ended: ${deviceOf(item)}.`, 'success');
            }),
          );
          const by = 'actor' in item ? item.actor : item.actorId ? { id: item.actorId, email: null } : null;
          return h(
            'tr',
            { 'data-item': item.id },
            h(
              'td',
              { 'data-label': 'Device' },
              deviceOf(item),
              by ? h('span', { class: 'badge badge-warn' }, `by ${by.email ?? by.id} (impersonation)`) : null,
            ),
            h('td', { 'data-label': 'IP address' }, item.ip ?? '—'),
            h('td', { 'data-label': 'Signed in' }, formatDate(item.createdAt)),
            h(
              'td',
              { 'data-label': 'Last active' },
              formatDate('lastSeenAt' in item ? item.lastSeenAt : item.lastUsedAt),
            ),
            h('td', { 'data-label': 'Expires' }, formatDate(item.expiresAt)),
            h('td', { 'data-label': '' }, end),
          );
        }),
      ),
    );
  };

  /** @param {AdminKeyView[]} keys */
  const apiKeys = (keys) =>
    listOf(
      'user-keys',
      'API keys',
      ['Name', 'Prefix', 'Scopes', 'Created', 'Last used', 'Expires', 'Status'],
      keys.map((key) => [
        key.name,
        h('code', {}, key.prefix),
        key.scopes.join(' ') || '—',
        formatDate(key.createdAt),
        formatDate(key.lastUsedAt),
        formatDate(key.expiresAt),
        key.revokedAt ? `revoked ${formatDate(key.revokedAt)}` : 'active',
      ]),
    );

  /** @param {AdminPasskeyView[]} list */
  const passkeys = (list) =>
    listOf(
      'user-passkeys',
      'Passkeys',
      ['Name', 'Added', 'Last used'],
      list.map((passkey) => [passkey.name, formatDate(passkey.createdAt), formatDate(passkey.lastUsedAt)]),
    );

  /** @param {AdminIdentityView[]} list */
  const identities = (list) =>
    listOf(
      'user-identities',
      'Linked identities',
      ['Provider', 'Email there', 'Linked'],
      list.map((identity) => [identity.provider, identity.email ?? '—', formatDate(identity.createdAt)]),
    );

  /**
   * @param {string} id
   * @param {string} title
   * @param {string[]} columns
   * @param {Array<Array<string | Node>>} rows
   */
  const listOf = (id, title, columns, rows) =>
    h(
      'div',
      { id },
      h('h3', {}, title),
      rows.length
        ? table(
            title,
            columns,
            rows.map((cells) =>
              h('tr', {}, ...cells.map((cell, index) => h('td', { 'data-label': columns[index] }, cell))),
            ),
          )
        : h('p', { class: 'hint' }, 'None.'),
    );

  /**
   * @param {string} caption
   * @param {string[]} columns
   * @param {HTMLElement[]} rows
   */
  const table = (caption, columns, rows) =>
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'list' },
        h('caption', { class: 'visually-hidden' }, caption),
        h('thead', {}, h('tr', {}, ...columns.map((title) => h('th', { scope: 'col' }, title)))),
        h('tbody', {}, ...rows),
      ),
    );

  return {
    element,
    load: async () => {
      try {
        await render();
      } catch (error) {
        replaceChildren(content);
        say(area, describeError(error), 'error');
      }
    },
  };
}
