// @ts-check
import { call, del, post } from './api.js';
import { busy, field, formValues, h, messageArea } from './dom.js';
import { actionButton, listTable } from './org-common.js';

/** @param {string} text permissions as typed: separated by spaces or commas */
const permissionsOf = (text) => text.split(/[\s,]+/).filter(Boolean);

/**
 * The roles and their permissions: the built-in ones as they are, the organization's own created,
 * changed and deleted by those with `roles:manage`.
 * @type {import('./org.js').OrgPart}
 */
export const rolesPart = {
  id: 'roles',
  title: 'Roles and permissions',
  render: async (context) => {
    if (!context.can('roles:manage')) return null;
    const area = messageArea();
    const reload = () => context.reload();
    const rows = context.roles.map((role) => {
      const path = `${context.base}/roles/${encodeURIComponent(role.name)}`;
      if (role.builtIn)
        return h(
          'tr',
          { 'data-role': role.name },
          h('td', { 'data-label': 'Role' }, role.name, ' ', h('span', { class: 'badge' }, 'built-in')),
          h('td', { 'data-label': 'Permissions' }, h('code', {}, role.permissions.join(' '))),
          h('td', { 'data-label': '' }),
        );
      const edit = /** @type {HTMLFormElement} */ (
        h(
          'form',
          { class: 'row', 'aria-label': `Permissions of ${role.name}` },
          h('input', {
            name: 'permissions',
            type: 'text',
            required: true,
            value: role.permissions.join(' '),
            'aria-label': `Permissions of ${role.name}`,
          }),
          h('button', { type: 'submit', class: 'secondary', 'aria-label': `Save the role ${role.name}` }, 'Save'),
        )
      );
      edit.addEventListener('submit', (event) => {
        event.preventDefault();
        void busy(edit, area, async () => {
          await call('PATCH', path, { permissions: permissionsOf(formValues(edit).permissions) });
          await reload();
        });
      });
      return h(
        'tr',
        { 'data-role': role.name },
        h('td', { 'data-label': 'Role' }, role.name),
        h('td', { 'data-label': 'Permissions' }, edit),
        h(
          'td',
          { 'data-label': '' },
          actionButton(`Delete the role ${role.name}`, 'Delete', 'danger', area, async () => {
            if (!window.confirm(`Delete the role ${role.name}?`)) return;
            await del(path);
            await reload();
          }),
        ),
      );
    });
    const create = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { 'aria-label': 'Create a role' },
        h('h3', {}, 'New role'),
        field('Role name', {
          name: 'name',
          type: 'text',
          required: true,
          maxlength: 40,
          pattern: '[a-z][a-z0-9_\\-]*',
        }),
        field(
          'Permissions',
          { name: 'permissions', type: 'text', required: true, placeholder: 'invoices:read invoices:write' },
          'resource:action, separated by spaces; * for all. Nobody hands out more than their own role holds.',
        ),
        h('button', { type: 'submit' }, 'Create role'),
      )
    );
    create.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(create, area, async () => {
        const { name, permissions } = formValues(create);
        await post(`${context.base}/roles`, { name: name.trim(), permissions: permissionsOf(permissions) });
        await reload();
      });
    });
    return h('div', {}, listTable('Roles', ['Role', 'Permissions', ''], rows), area, create);
  },
};
