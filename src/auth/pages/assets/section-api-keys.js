// @ts-check
import { del, get, post } from './api.js';
import { busy, field, formatDate, formValues, h, messageArea, replaceChildren, say } from './dom.js';

/**
 * @typedef {{ id: string, name: string, prefix: string, scopes: string[], createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null }} ApiKeyView
 * @typedef {{ id: string, name: string, key: string, prefix: string }} CreatedKey
 */

const GRACE_PERIODS = [
  ['0', 'at once'],
  ['3600', 'in 1 hour'],
  ['86400', 'in 1 day'],
  ['604800', 'in 7 days'],
];

/** Keys for scripts and services: create, see once, rotate, revoke. @type {import('./account-modules.js').AccountSection} */
export const apiKeysSection = {
  id: 'api-keys',
  title: 'API keys',
  render: async (context) => {
    /** @type {ApiKeyView[]} */
    const keys = await get('/api-keys');
    const area = messageArea();

    const create = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { 'aria-label': 'Create an API key' },
        h('h3', {}, 'New key'),
        field('Name', { name: 'name', type: 'text', required: true, maxlength: 100, placeholder: 'billing export' }),
        field(
          'Scopes',
          { name: 'scopes', type: 'text', placeholder: 'reports:read reports:write' },
          'Separated by spaces or commas; none for a key without scopes.',
        ),
        field(
          'Expires on',
          { name: 'expiresOn', type: 'date' },
          'Optional. The key stops working at the start of that day.',
        ),
        h('button', { type: 'submit' }, 'Create key'),
      )
    );
    create.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(create, area, async () => {
        const { name, scopes, expiresOn } = formValues(create);
        const body = {
          name: name.trim(),
          scopes: scopes.split(/[\s,]+/).filter(Boolean),
          ...(expiresOn ? { expiresAt: new Date(`${expiresOn}T00:00:00`).toISOString() } : {}),
        };
        /** @type {CreatedKey} */
        const created = (await post('/api-keys', body)).body;
        create.reset();
        await context.refresh('api-keys');
        showOnce(created);
      });
    });

    const rows = keys.map((key) => keyRow(key, area, () => context.refresh('api-keys')));
    return h(
      'div',
      {},
      h('div', { class: 'reveal-slot' }),
      keys.length
        ? h(
            'table',
            { class: 'list' },
            h('caption', { class: 'visually-hidden' }, 'Your API keys'),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['Name', 'Key', 'Scopes', 'Created', 'Last used', 'Expires', 'Status', ''].map((title) =>
                  h('th', { scope: 'col' }, title),
                ),
              ),
            ),
            h('tbody', {}, ...rows),
          )
        : h('p', {}, 'No API keys yet.'),
      area,
      create,
    );
  },
};

/**
 * @param {ApiKeyView} key
 * @param {HTMLElement} area
 * @param {() => Promise<void>} reload re-renders the section
 */
function keyRow(key, area, reload) {
  const status = statusOf(key);
  const actions = h('td', { 'data-label': '' });
  const showActions = () => {
    if (status !== 'active') return replaceChildren(actions);
    const rotate = h('button', { type: 'button', class: 'secondary', 'aria-label': `Rotate ${key.name}` }, 'Rotate');
    const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke ${key.name}` }, 'Revoke');
    rotate.addEventListener('click', () => confirmRotate());
    revoke.addEventListener('click', () => confirmRevoke());
    replaceChildren(actions, rotate, revoke);
  };
  const confirmRevoke = () => {
    const yes = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'danger' }, 'Revoke now'));
    const no = h('button', { type: 'button', class: 'secondary', onclick: showActions }, 'Cancel');
    yes.addEventListener('click', () =>
      busy(yes, area, async () => {
        await del(`/api-keys/${encodeURIComponent(key.id)}`);
        await reload();
        const message = document.querySelector('#api-keys .message');
        if (message instanceof HTMLElement)
          say(message, `“${key.name}” is revoked. It stops working within a second.`, 'success');
      }),
    );
    replaceChildren(
      actions,
      h('span', { class: 'confirm' }, 'Revoke this key? Anything using it stops working.'),
      yes,
      no,
    );
    yes.focus();
  };
  const confirmRotate = () => {
    const grace = /** @type {HTMLSelectElement} */ (
      h('select', { name: 'grace' }, ...GRACE_PERIODS.map(([value, label]) => h('option', { value }, label)))
    );
    const label = h('label', {}, 'Old key stops ', grace);
    const yes = /** @type {HTMLButtonElement} */ (h('button', { type: 'button' }, 'Rotate now'));
    const no = h('button', { type: 'button', class: 'secondary', onclick: showActions }, 'Cancel');
    yes.addEventListener('click', () =>
      busy(yes, area, async () => {
        /** @type {CreatedKey} */
        const created = (
          await post(`/api-keys/${encodeURIComponent(key.id)}/rotate`, { gracePeriodSeconds: Number(grace.value) })
        ).body;
        await reload();
        showOnce(created);
      }),
    );
    replaceChildren(actions, label, yes, no);
    grace.focus();
  };
  showActions();
  return h(
    'tr',
    { 'data-key': key.id },
    h('td', { 'data-label': 'Name' }, key.name),
    h('td', { 'data-label': 'Key' }, h('code', {}, `${key.prefix}…`)),
    h('td', { 'data-label': 'Scopes' }, key.scopes.length ? key.scopes.join(', ') : '—'),
    h('td', { 'data-label': 'Created' }, formatDate(key.createdAt)),
    h('td', { 'data-label': 'Last used' }, key.lastUsedAt ? formatDate(key.lastUsedAt) : 'never'),
    h('td', { 'data-label': 'Expires' }, key.expiresAt ? formatDate(key.expiresAt) : 'never'),
    h(
      'td',
      { 'data-label': 'Status' },
      h('span', { class: `badge ${status === 'active' ? 'badge-ok' : 'badge-warn'}` }, status),
    ),
    actions,
  );
}

/** Shows a key just created in the (re-rendered) section's slot. @param {CreatedKey} created */
function showOnce(created) {
  const slot = document.querySelector('#api-keys .reveal-slot');
  if (slot instanceof HTMLElement)
    replaceChildren(
      slot,
      newKeyPanel(created, () => replaceChildren(slot)),
    );
}

/** @param {ApiKeyView} key */
export function statusOf(key) {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && Date.parse(key.expiresAt) <= Date.now()) return 'expired';
  return 'active';
}

/**
 * The new key, once: it is in this page's memory and nowhere else, and gone when dismissed.
 * @param {CreatedKey} created
 * @param {() => void} dismiss
 * @param {string} [whoActs] who the key acts as, for the warning
 */
export function newKeyPanel(created, dismiss, whoActs = 'as you') {
  const area = messageArea();
  const input = /** @type {HTMLInputElement} */ (
    h('input', {
      id: 'new-api-key',
      type: 'text',
      readonly: true,
      spellcheck: 'false',
      autocomplete: 'off',
      class: 'secret-value',
    })
  );
  input.value = created.key;
  const copy = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'copy-api-key' }, 'Copy'));
  copy.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(created.key);
      say(area, 'Copied.', 'success');
    } catch {
      say(area, 'Copying was not allowed: the key is selected, copy it with Ctrl+C or ⌘C.', 'info');
    }
  });
  const done = h('button', { type: 'button', class: 'secondary' }, 'I have stored it safely');
  done.addEventListener('click', () => {
    input.value = '';
    dismiss();
  });
  const panel = h(
    'div',
    { class: 'secret', role: 'region', 'aria-label': 'Your new API key' },
    h('h3', {}, `Your new key “${created.name}”`),
    h(
      'p',
      { class: 'warning' },
      h('strong', {}, 'Copy it now: it will not be shown again.'),
      ` Store it like a password; anyone with it acts ${whoActs} within its scopes.`,
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'new-api-key' }, 'API key'),
      h('div', { class: 'row' }, input, copy),
    ),
    area,
    done,
  );
  queueMicrotask(() => input.focus());
  return panel;
}
