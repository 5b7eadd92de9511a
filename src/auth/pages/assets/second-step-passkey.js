// @ts-check
import { h, messageArea } from './dom.js';
import { passkeyBusy, passkeySignIn } from './passkey-ceremonies.js';

/** A passkey of the account as the second step (`POST /auth/passkeys/login` with the `mfaToken`). @type {import('./account-modules.js').SecondStep} */
export const passkeySecondStep = {
  method: 'passkey',
  label: 'Passkey',
  render: (challenge, context) => {
    const area = messageArea();
    const button = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', id: 'passkey-step' }, 'Use a passkey')
    );
    button.addEventListener('click', () =>
      passkeyBusy(button, area, async () => {
        context.signedIn(await passkeySignIn(challenge.mfaToken));
      }),
    );
    return h('div', {}, h('p', {}, 'Use a passkey saved on this device or a security key.'), button, area);
  },
};
