// @ts-check
import { post } from './api.js';
import { busy, field, formValues, h, messageArea, newPasswordFields, say } from './dom.js';

/** A new password; the other sessions end, this one stays. @type {import('./account-modules.js').AccountSection} */
export const passwordSection = {
  id: 'password',
  title: 'Password',
  render: async (context) => {
    const area = messageArea();
    const form = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { 'aria-label': 'Change your password' },
        field('Current password', {
          name: 'currentPassword',
          type: 'password',
          autocomplete: 'current-password',
          required: true,
          maxlength: 128,
        }),
        ...newPasswordFields(),
        area,
        h('button', { type: 'submit' }, 'Change password'),
      )
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(form, area, async () => {
        const { currentPassword, newPassword, confirmPassword } = formValues(form);
        if (newPassword !== confirmPassword) return say(area, 'The new passwords do not match.', 'error');
        // The answer carries this session's new CSRF token in X-CSRF-Token; api.js takes it.
        await post('/password', { currentPassword, newPassword });
        form.reset();
        say(area, 'Password changed. Your other sessions and apps were signed out.', 'success');
        await context.refresh('sessions');
      });
    });
    return form;
  },
};
