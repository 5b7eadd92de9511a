// @ts-check
import { ApiError, call, del, describeError, post } from './api.js';
import { busy, field, formValues, h, messageArea, say } from './dom.js';
import { actionButton, listTable } from './org-common.js';
import { orgPagePath } from './paths.js';

/** @typedef {{ id: string, name: string, slug: string, role: string }} OrgListed */

const SECTION_ID = 'organizations';

/**
 * The token of the invitation link (`/account?invitation=…`), read before the account page cleans its URL:
 * it stays in this page's memory only, until accepted or dismissed (a reload of the link finds it again).
 */
let pendingInvitation = new URLSearchParams(location.search).get('invitation') || null;
/** What accepting the invitation gave, said once by the section it re-renders. */
let joinedNotice = '';

/**
 * Before sign-in, says why the page asks for it when the visitor came by an invitation link; nothing otherwise.
 * Listed among the ways to sign in so that it shows on the sign-in screen, above them.
 * @type {import('./account-modules.js').SignInMethod}
 */
export const invitationSignInNotice = {
  id: 'invitation-notice',
  render: async () =>
    pendingInvitation
      ? h(
          'p',
          { class: 'message message-info', role: 'status', id: 'invitation-sign-in' },
          'You were invited to join an organization. Sign in, or create an account, with the address the ',
          'invitation was sent to; you can then accept it.',
        )
      : null,
};

/**
 * The caller's organizations with a link to each one's page, a form to create one, leaving one, and the
 * invitation of the link the page was opened with. Null when the app does not list the orgs feature.
 * @type {import('./account-modules.js').AccountSection}
 */
export const orgsSection = {
  id: SECTION_ID,
  title: 'Organizations',
  render: async (context) => {
    /** @type {OrgListed[]} */
    let orgs;
    try {
      orgs = (await call('GET', '/orgs')).body;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
    const area = messageArea();
    if (joinedNotice) say(area, joinedNotice, 'success');
    joinedNotice = '';
    const reload = () => context.refresh(SECTION_ID);

    const rows = orgs.map((org) =>
      h(
        'tr',
        { 'data-org': org.id },
        h('td', { 'data-label': 'Name' }, h('a', { href: orgPagePath(org.id) }, org.name)),
        h('td', { 'data-label': 'Slug' }, h('code', {}, org.slug)),
        h('td', { 'data-label': 'Your role' }, org.role),
        h(
          'td',
          { 'data-label': '' },
          actionButton(`Leave: ${org.name}`, 'Leave', 'danger', area, async () => {
            if (!window.confirm(`Leave ${org.name}? You lose access to it until someone invites you again.`)) return;
            await del(`/orgs/${encodeURIComponent(org.id)}/members/${encodeURIComponent(context.user.id)}`);
            await reload();
          }),
        ),
      ),
    );

    const create = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { 'aria-label': 'Create an organization' },
        h('h3', {}, 'New organization'),
        field('Organization name', { name: 'name', type: 'text', required: true, maxlength: 100 }),
        field(
          'Slug',
          { name: 'slug', type: 'text', required: true, maxlength: 64, pattern: '[a-z0-9]([a-z0-9\\-]*[a-z0-9])?' },
          'Lower-case letters, digits and hyphens; unique.',
        ),
        h('button', { type: 'submit' }, 'Create organization'),
      )
    );
    create.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(create, area, async () => {
        const { name, slug } = formValues(create);
        await post('/orgs', { name: name.trim(), slug: slug.trim() });
        await reload();
      });
    });

    return h(
      'div',
      {},
      pendingInvitation ? invitationPanel(reload) : null,
      orgs.length
        ? listTable('Your organizations', ['Name', 'Slug', 'Your role', ''], rows)
        : h('p', {}, 'You are not a member of any organization yet.'),
      area,
      create,
    );
  },
};

/**
 * The invitation of the link: accepted only on the user's word, as the signed-in user.
 * @param {() => Promise<void>} reload
 */
function invitationPanel(reload) {
  const area = messageArea();
  const accept = /** @type {HTMLButtonElement} */ (h('button', { type: 'button' }, 'Accept the invitation'));
  const dismiss = h('button', { type: 'button', class: 'secondary' }, 'Not now');
  const panel = h(
    'div',
    { class: 'secret', role: 'region', 'aria-label': 'Invitation', id: 'invitation' },
    h('h3', {}, 'You were invited to join an organization'),
    h('p', {}, 'Accepting makes you a member with the role the invitation names.'),
    h('div', { class: 'row' }, accept, dismiss),
    area,
  );
  dismiss.addEventListener('click', () => {
    pendingInvitation = null;
    panel.remove();
  });
  accept.addEventListener('click', async () => {
    accept.disabled = true;
    try {
      /** @type {{ orgId: string, role: string }} */
      const joined = (await post('/invitations/accept', { token: pendingInvitation })).body;
      pendingInvitation = null;
      joinedNotice = `You joined the organization as ${joined.role}.`;
      await reload();
    } catch (error) {
      accept.disabled = false;
      const text = describeError(error);
      if (error instanceof ApiError && error.status === 400)
        say(
          area,
          'This invitation is invalid or has expired, or was sent to another address. It must be accepted ' +
            'by the account of the invited address, once that address is verified.',
          'error',
        );
      else if (text) say(area, text, 'error');
    }
  });
  return panel;
}
