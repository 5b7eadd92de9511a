// @ts-check
import { call, del, describeError, get, post } from './api.js';
import { busy, field, formatDate, formValues, h, messageArea, say } from './dom.js';
import { actionButton, listTable, pagedRows } from './org-common.js';
import { pagePath } from './paths.js';

/**
 * @typedef {{ userId: string, email: string | null, name: string | null, role: string, joinedAt: string }} MemberView
 * @typedef {{ id: string, email: string, role: string, createdAt: string, expiresAt: string }} InvitationView
 */

/**
 * A choice among the organization's roles.
 * @param {import('./org.js').OrgContext} context
 * @param {Record<string, string>} attributes
 * @param {string} [selected]
 */
function roleSelect(context, attributes, selected) {
  return /** @type {HTMLSelectElement} */ (
    h(
      'select',
      attributes,
      ...context.roles.map((role) => h('option', { value: role.name, selected: role.name === selected }, role.name)),
    )
  );
}

/**
 * Members with their roles: a role changed by those with `members:update`, a member removed by those
 * with `members:remove`, and leaving for oneself.
 * @type {import('./org.js').OrgPart}
 */
export const membersPart = {
  id: 'members',
  title: 'Members',
  render: async (context) => {
    if (!context.can('members:read')) return null;
    const area = messageArea();
    const table = listTable('Members', ['Member', 'Role', 'Joined', ''], []);
    const tbody = /** @type {HTMLElement} */ (table.querySelector('tbody'));

    /** @param {MemberView} member */
    const row = (member) => {
      const who = member.email ?? member.userId;
      const path = `${context.base}/members/${encodeURIComponent(member.userId)}`;
      const self = member.userId === context.user.id;
      /** @type {HTMLElement} */
      let role = h('span', {}, member.role);
      if (context.can('members:update')) {
        const select = roleSelect(context, { 'aria-label': `Role of ${who}` }, member.role);
        select.addEventListener('change', async () => {
          const chosen = select.value;
          select.disabled = true;
          try {
            await call('PATCH', path, { role: chosen });
            member.role = chosen;
            say(area, `${who} is now ${chosen}.`, 'success');
            if (self) await context.reload();
          } catch (error) {
            select.value = member.role;
            const text = describeError(error);
            if (text) say(area, text, 'error');
          } finally {
            select.disabled = false;
          }
        });
        role = select;
      }
      const leave = actionButton(`Leave ${context.org.name}`, 'Leave', 'danger', area, async () => {
        if (!window.confirm(`Leave ${context.org.name}? You lose access until someone invites you again.`)) return;
        await del(path);
        location.assign(pagePath.account);
      });
      const remove = actionButton(`Remove ${who}`, 'Remove', 'danger', area, async () => {
        if (!window.confirm(`Remove ${who} from ${context.org.name}?`)) return;
        await del(path);
        await context.refresh('members');
      });
      return h(
        'tr',
        { 'data-member': member.userId },
        h(
          'td',
          { 'data-label': 'Member' },
          member.name ? `${member.name} ` : '',
          h('span', { class: member.name ? 'hint' : undefined }, who),
          self ? h('span', { class: 'badge badge-ok' }, 'you') : null,
        ),
        h('td', { 'data-label': 'Role' }, role),
        h('td', { 'data-label': 'Joined' }, formatDate(member.joinedAt)),
        h('td', { 'data-label': '' }, self ? leave : context.can('members:remove') ? remove : null),
      );
    };

    const pages = pagedRows(`${context.base}/members`, tbody, row, area);
    await pages.load();
    return h('div', {}, area, table, pages.button);
  },
};

/**
 * Pending invitations: invite an address with a role (a mail with a single-use link), withdraw one.
 * Shown to those with `members:invite`.
 * @type {import('./org.js').OrgPart}
 */
export const invitationsPart = {
  id: 'invitations',
  title: 'Invitations',
  render: async (context) => {
    if (!context.can('members:invite')) return null;
    /** @type {InvitationView[]} */
    const invitations = await get(`${context.base}/invitations`);
    const area = messageArea();
    const rows = invitations.map((invitation) =>
      h(
        'tr',
        { 'data-invitation': invitation.id },
        h('td', { 'data-label': 'Email' }, invitation.email),
        h('td', { 'data-label': 'Role' }, invitation.role),
        h('td', { 'data-label': 'Expires' }, formatDate(invitation.expiresAt)),
        h(
          'td',
          { 'data-label': '' },
          actionButton(`Withdraw the invitation of ${invitation.email}`, 'Withdraw', 'secondary', area, async () => {
            await del(`${context.base}/invitations/${encodeURIComponent(invitation.id)}`);
            await context.refresh('invitations');
          }),
        ),
      ),
    );
    const form = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { 'aria-label': 'Invite someone' },
        h('h3', {}, 'Invite someone'),
        field('Email address', { name: 'email', type: 'email', required: true, maxlength: 254 }),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'invite-role' }, 'Role'),
          roleSelect(context, { id: 'invite-role', name: 'role' }, 'member'),
        ),
        h('button', { type: 'submit' }, 'Send invitation'),
      )
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(form, area, async () => {
        const { email, role } = formValues(form);
        await post(`${context.base}/invitations`, { email: email.trim(), role });
        await context.refresh('invitations');
      });
    });
    return h(
      'div',
      {},
      rows.length
        ? listTable('Pending invitations', ['Email', 'Role', 'Expires', ''], rows)
        : h('p', { class: 'hint' }, 'No pending invitations.'),
      area,
      form,
    );
  },
};
