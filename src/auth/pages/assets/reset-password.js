// @ts-check
import { call } from './api.js';
import { busy, formValues, h, messageArea, newPasswordFields, replaceChildren, say } from './dom.js';
import { pagePath } from './paths.js';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));

// The one-time token leaves the address bar and the history at once; it stays in this page's memory only.
const token = new URLSearchParams(location.search).get('token') ?? '';
if (location.search) history.replaceState(null, '', location.pathname);

const area = messageArea();
if (!token) {
  say(area, 'This page needs the link from the password reset mail. Ask for a new mail if you lost it.', 'error');
  replaceChildren(
    main,
    h('h1', {}, 'Choose a new password'),
    area,
    h('p', {}, h('a', { href: pagePath.account }, 'Ask for a new link')),
  );
} else {
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { 'aria-label': 'Choose a new password' },
      ...newPasswordFields(),
      area,
      h('button', { type: 'submit' }, 'Set the new password'),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, area, async () => {
      const { newPassword, confirmPassword } = formValues(form);
      if (newPassword !== confirmPassword) return say(area, 'The passwords do not match.', 'error');
      await call('POST', '/password/reset', { token, newPassword }, { expectSignedIn: false });
      const done = messageArea();
      say(done, 'Your password is changed, and every session and app signed in as you was signed out.', 'success');
      replaceChildren(
        main,
        h('h1', {}, 'Password changed'),
        done,
        h('p', {}, h('a', { href: pagePath.account }, 'Sign in')),
      );
    });
  });
  replaceChildren(main, h('h1', {}, 'Choose a new password'), h('div', { class: 'card' }, form));
}
main.querySelector('input')?.focus();
