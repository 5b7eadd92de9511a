// @ts-check
import { call, describeError } from './api.js';
import { field, formValues, h, messageArea, say } from './dom.js';
import { pagePath } from './paths.js';
import { describeCeremonyError, passkeysAvailable } from './passkey-ceremonies.js';
import { providerTitle } from './sign-in-oidc.js';
import { startAuthentication } from './webauthn/index.js';

/** A code of an authenticator app; anything else typed in the code field is taken for a recovery code. */
const TOTP_CODE = /^\d{6}$/;

/**
 * "Confirm it's you": the dialog an action that changes how one signs in opens when the server answers
 * `Reauthentication required`. It offers the ways the user has (`methods`): the password (with a code
 * when they have an authenticator app), a passkey, or their OpenID provider (which leaves the page and
 * comes back here). Answers whether the user re-authenticated; the action is then retried.
 * @param {{ maxAge: number, methods: string[] }} challenge
 * @returns {Promise<boolean>}
 */
export function askToReauthenticate(challenge) {
  const methods = Array.isArray(challenge.methods) ? challenge.methods : [];
  return new Promise((resolve) => {
    const area = messageArea();
    const dialog = /** @type {HTMLDialogElement} */ (
      h('dialog', { id: 'reauthenticate', class: 'card', 'aria-labelledby': 'reauthenticate-title' })
    );
    /** @param {boolean} done */
    const finish = (done) => {
      dialog.close();
      dialog.remove();
      resolve(done);
    };
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    const parts = [
      h('h2', { id: 'reauthenticate-title' }, 'Confirm it’s you'),
      h('p', {}, 'This changes how you sign in, so we need to check it is really you.'),
    ];
    if (methods.includes('password')) parts.push(passwordForm(methods.includes('totp'), area, () => finish(true)));
    if (methods.includes('passkey') && passkeysAvailable()) parts.push(passkeyButton(area, () => finish(true)));
    if (methods.includes('oidc')) parts.push(providerLinks());
    parts.push(area, h('button', { type: 'button', class: 'secondary', onclick: () => finish(false) }, 'Cancel'));
    dialog.append(...parts);
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * @param {boolean} withCode
 * @param {HTMLElement} area
 * @param {() => void} done
 */
function passwordForm(withCode, area, done) {
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { id: 'reauthenticate-password' },
      field('Password', {
        name: 'password',
        type: 'password',
        autocomplete: 'current-password',
        required: true,
        maxlength: 128,
      }),
      withCode
        ? field(
            'Authentication code',
            { name: 'code', autocomplete: 'one-time-code', required: true, maxlength: 32 },
            'The 6 digits your authenticator app shows, or one of your recovery codes.',
          )
        : null,
      h('button', { type: 'submit' }, 'Confirm'),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { password, code } = formValues(form);
    const second = !code ? {} : TOTP_CODE.test(code.trim()) ? { code: code.trim() } : { recoveryCode: code };
    void prove(form, area, { password, ...second }, done);
  });
  return form;
}

/**
 * @param {HTMLElement} area
 * @param {() => void} done
 */
function passkeyButton(area, done) {
  const button = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', class: 'secondary' }, 'Use a passkey')
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const { body } = await call('POST', '/reauthenticate/options', {}, { proof: true });
      const response = await startAuthentication({ optionsJSON: body.passkeyOptions });
      await prove(button, area, { response }, done);
    } catch (error) {
      say(area, describeCeremonyError(error) ?? describeError(error), 'error');
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** A link per provider that signs the user in again there and comes back to this page. */
function providerLinks() {
  const list = h('ul', { class: 'providers' });
  call('GET', '/oidc/providers', undefined, { expectSignedIn: false })
    .then(({ body }) => {
      for (const provider of Array.isArray(body) ? body : []) {
        const url = new URL(provider.loginUrl, location.origin);
        url.searchParams.set('reauth', '1');
        url.searchParams.set('returnTo', pagePath.account);
        list.append(
          h(
            'li',
            {},
            h(
              'a',
              { class: 'button secondary', href: url.pathname + url.search },
              `Continue with ${providerTitle(provider.name)}`,
            ),
          ),
        );
      }
    })
    .catch(() => undefined);
  return list;
}

/**
 * @param {HTMLFormElement | HTMLButtonElement} control
 * @param {HTMLElement} area
 * @param {Record<string, unknown>} proof
 * @param {() => void} done
 */
async function prove(control, area, proof, done) {
  const button = control instanceof HTMLFormElement ? control.querySelector('button[type="submit"]') : control;
  if (button instanceof HTMLButtonElement) button.disabled = true;
  try {
    await call('POST', '/reauthenticate', proof, { proof: true });
    done();
  } catch (error) {
    const text = describeError(error);
    say(area, /failed/i.test(text) ? 'That did not match. Check it and try again.' : text, 'error');
  } finally {
    if (button instanceof HTMLButtonElement) button.disabled = false;
  }
}
