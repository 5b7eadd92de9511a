// @ts-check
import { call, del } from './api.js';
import { busy, field, formatDate, formValues, h, messageArea } from './dom.js';
import { actionButton } from './org-common.js';
import { pagePath } from './paths.js';

/**
 * The organization itself: its name and whether every member must have a second factor, changed by
 * those with `org:update`; deleted by an owner.
 * @type {import('./org.js').OrgPart}
 */
export const settingsPart = {
  id: 'organization',
  title: 'Organization',
  render: async (context) => {
    const { org } = context;
    const area = messageArea();
    const facts = h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Name'),
      h('dd', {}, org.name),
      h('dt', {}, 'Slug'),
      h('dd', {}, h('code', {}, org.slug)),
      h('dt', {}, 'Created'),
      h('dd', {}, formatDate(org.createdAt)),
      h('dt', {}, 'Second factor'),
      h('dd', { id: 'org-require-mfa' }, org.requireMfa ? 'required of every member' : 'up to each member'),
    );
    if (!context.can('org:update')) return h('div', {}, facts);

    const form = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { 'aria-label': 'Change the organization' },
        field('Name', { name: 'name', type: 'text', required: true, maxlength: 100, value: org.name }),
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', name: 'requireMfa', checked: org.requireMfa }),
          'Require a second factor of every member',
        ),
        h(
          'small',
          { class: 'hint' },
          'Members without an authenticator app or passkey then lose access to the organization until they add one.',
        ),
        h('button', { type: 'submit' }, 'Save'),
      )
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(form, area, async () => {
        const { name, requireMfa } = formValues(form);
        await call('PATCH', context.base, { name: name.trim(), requireMfa: requireMfa === 'on' });
        await context.reload();
      });
    });
    // Only an owner may delete; the server asks for a fresh sign-in, which the page's dialog offers.
    const remove =
      context.role === 'owner' && context.can('org:delete')
        ? actionButton(`Delete the organization ${org.name}`, 'Delete organization', 'danger', area, async () => {
            if (!window.confirm(`Delete ${org.name}? Every membership, invitation and key of it ends.`)) return;
            await del(context.base);
            location.assign(pagePath.account);
          })
        : null;
    return h('div', {}, facts, form, remove, area);
  },
};
