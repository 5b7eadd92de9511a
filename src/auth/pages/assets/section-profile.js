// @ts-check
import { post } from './api.js';
import { busy, field, formValues, h, messageArea, say } from './dom.js';
import { pagePath } from './paths.js';

/** Who you are, whether your address is verified, and moving to a new address. @type {import('./account-modules.js').AccountSection} */
export const profileSection = {
  id: 'profile',
  title: 'Profile',
  render: async ({ user }) => {
    const verifyArea = messageArea();
    const verify = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'secondary' }, 'Send a verification mail')
    );
    verify.addEventListener('click', () =>
      busy(verify, verifyArea, async () => {
        await post('/email/verification');
        say(verifyArea, `A verification link is on its way to ${user.email}.`, 'success');
      }),
    );

    const changeArea = messageArea();
    const change = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { 'aria-label': 'Change your email address' },
        h('h3', {}, 'Change your email address'),
        field('New email address', {
          name: 'newEmail',
          type: 'email',
          autocomplete: 'email',
          required: true,
          maxlength: 254,
        }),
        field('Current password', {
          name: 'currentPassword',
          type: 'password',
          autocomplete: 'current-password',
          required: true,
          maxlength: 128,
        }),
        changeArea,
        h('button', { type: 'submit' }, 'Send a confirmation link'),
      )
    );
    change.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(change, changeArea, async () => {
        const { newEmail, currentPassword } = formValues(change);
        await post('/email', { newEmail, currentPassword });
        change.reset();
        say(
          changeArea,
          `Open the link we sent to ${newEmail} to finish. Until then your address stays ${user.email}.`,
          'success',
        );
      });
    });

    return h(
      'div',
      {},
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Name'),
        h('dd', { 'data-field': 'name' }, user.name ?? '—'),
        h('dt', {}, 'Email'),
        h(
          'dd',
          { 'data-field': 'email' },
          user.email,
          ' ',
          user.emailVerified
            ? h('span', { class: 'badge badge-ok' }, 'verified')
            : h('span', { class: 'badge badge-warn' }, 'not verified'),
        ),
        h('dt', {}, 'Roles'),
        h('dd', { 'data-field': 'roles' }, user.roles.join(', ') || '—'),
      ),
      user.emailVerified ? null : h('div', { class: 'row' }, verify, verifyArea),
      user.roles.includes('admin') ? h('p', {}, h('a', { href: pagePath.admin }, 'Administration')) : null,
      change,
    );
  },
};
