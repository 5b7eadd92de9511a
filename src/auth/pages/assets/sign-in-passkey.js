// @ts-check
import { h, messageArea } from './dom.js';
import { passkeyBusy, passkeySignIn, passkeysAvailable } from './passkey-ceremonies.js';

/** Passwordless: a passkey with user verification is a full sign-in. @type {import('./account-modules.js').SignInMethod} */
export const passkeySignInMethod = {
  id: 'passkey',
  render: async (context) => {
    if (!passkeysAvailable()) return null;
    const area = messageArea();
    const button = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'secondary', id: 'passkey-sign-in' }, 'Sign in with a passkey')
    );
    button.addEventListener('click', () =>
      passkeyBusy(button, area, async () => {
        const body = await passkeySignIn();
        if (body?.mfaRequired) context.secondStepRequired(body);
        else context.signedIn(body);
      }),
    );
    return h('div', { class: 'card alternative-sign-in' }, button, area);
  },
};
