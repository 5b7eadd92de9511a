// @ts-check
import { del, get, post } from './api.js';
import { busy, field, formatDate, formValues, h, messageArea, replaceChildren } from './dom.js';
import { actionButton, listTable } from './org-common.js';
import { newKeyPanel, statusOf } from './section-api-keys.js';

/** @typedef {import('./section-api-keys.js').ApiKeyView} ApiKeyView */

/**
 * Keys of the organization (not of whoever creates them): created with a fresh sign-in and shown once,
 * listed, revoked. Shown to those with `api-keys:manage`.
 * @type {import('./org.js').OrgPart}
 */
export const keysPart = {
  id: 'org-api-keys',
  title: 'API keys of the organization',
  render: async (context) => {
    if (!context.can('api-keys:manage')) return null;
    /** @type {ApiKeyView[]} */
    const keys = await get(`${context.base}/api-keys`);
    const area = messageArea();
    const slot = h('div', { class: 'reveal-slot' });
    const list = h('div');
    /** @param {ApiKeyView[]} shown */
    const showList = (shown) =>
      replaceChildren(
        list,
        shown.length
          ? listTable(
              'The organization’s API keys',
              ['Name', 'Key', 'Scopes', 'Created', 'Last used', 'Status', ''],
              shown.map((key) => keyRow(key)),
            )
          : h('p', { class: 'hint' }, 'No keys yet.'),
      );
    const reload = async () => showList(await get(`${context.base}/api-keys`));

    /** @param {ApiKeyView} key */
    const keyRow = (key) => {
      const status = statusOf(key);
      return h(
        'tr',
        { 'data-key': key.id },
        h('td', { 'data-label': 'Name' }, key.name),
        h('td', { 'data-label': 'Key' }, h('code', {}, `${key.prefix}…`)),
        h('td', { 'data-label': 'Scopes' }, key.scopes.join(' ') || '—'),
        h('td', { 'data-label': 'Created' }, formatDate(key.createdAt)),
        h('td', { 'data-label': 'Last used' }, formatDate(key.lastUsedAt)),
        h(
          'td',
          { 'data-label': 'Status' },
          h('span', { class: `badge ${status === 'active' ? 'badge-ok' : 'badge-warn'}` }, status),
        ),
        h(
          'td',
          { 'data-label': '' },
          status === 'revoked'
            ? null
            : actionButton(`Revoke ${key.name}`, 'Revoke', 'danger', area, async () => {
                if (!window.confirm(`Revoke ${key.name}? Whatever uses it stops at once.`)) return;
                await del(`${context.base}/api-keys/${encodeURIComponent(key.id)}`);
                await reload();
              }),
        ),
      );
    };

    const create = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { 'aria-label': 'Create a key of the organization' },
        h('h3', {}, 'New key'),
        field('Key name', {
          name: 'name',
          type: 'text',
          required: true,
          maxlength: 100,
          placeholder: 'invoicing sync',
        }),
        field(
          'Key scopes',
          { name: 'scopes', type: 'text', placeholder: 'invoices:read' },
          'Separated by spaces; no more than your own role holds.',
        ),
        h('button', { type: 'submit' }, 'Create key'),
      )
    );
    create.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(create, area, async () => {
        const { name, scopes } = formValues(create);
        const created = (
          await post(`${context.base}/api-keys`, { name: name.trim(), scopes: scopes.split(/[\s,]+/).filter(Boolean) })
        ).body;
        create.reset();
        await reload();
        replaceChildren(
          slot,
          newKeyPanel(created, () => replaceChildren(slot), `for ${context.org.name}`),
        );
      });
    });
    showList(keys);
    return h('div', {}, slot, list, area, create);
  },
};
