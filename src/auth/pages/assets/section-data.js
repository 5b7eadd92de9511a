// @ts-check
import { call } from './api.js';
import { busy, field, formValues, h, messageArea, say } from './dom.js';

/**
 * Your data: a copy of everything kept about you (`GET /auth/me/export`), and deleting the account
 * (`DELETE /auth/me`, your email typed as confirmation). Both ask for a fresh authentication.
 * @type {import('./account-modules.js').AccountSection}
 */
export const dataSection = {
  id: 'data',
  title: 'Your data',
  render: async (context) => {
    const area = messageArea();
    const download = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'secondary' }, 'Download my data')
    );
    download.addEventListener('click', () =>
      busy(download, area, async () => {
        const { body } = await call('GET', '/me/export');
        const url = URL.createObjectURL(new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' }));
        const link = h('a', { href: url, download: 'my-account-data.json', hidden: true });
        document.body.append(link);
        link.click();
        link.remove();
        URL.revokeObjectURL(url);
        say(area, 'Your data is downloaded as my-account-data.json.', 'success');
      }),
    );

    const email = context.user.email;
    const remove = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { id: 'delete-account', 'aria-label': 'Delete your account' },
        h('h3', {}, 'Delete account'),
        h(
          'p',
          { class: 'hint' },
          'Signs you out everywhere, ends your API keys and removes your account. It cannot be undone.',
        ),
        field(`Type ${email} to confirm`, {
          name: 'confirm',
          type: 'email',
          required: true,
          maxlength: 254,
          autocomplete: 'off',
        }),
        h('button', { type: 'submit', class: 'danger' }, 'Delete account'),
      )
    );
    remove.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(remove, area, async () => {
        const confirm = formValues(remove).confirm.trim();
        if (confirm.toLowerCase() !== email.toLowerCase()) {
          say(area, 'That is not your email. Nothing was deleted.', 'error');
          return;
        }
        await call('DELETE', '/me', { confirm });
        context.signedOut('Your account is deleted.');
      });
    });

    return h(
      'div',
      {},
      h(
        'p',
        {},
        'A copy of everything kept about you: profile, sessions, keys, passkeys, identities, organizations, audit events.',
      ),
      h('div', { class: 'row' }, download),
      area,
      remove,
    );
  },
};
