// @ts-check
import { call, post } from './api.js';
import { busy, say } from './dom.js';
import { browserSupportsWebAuthn, startAuthentication, startRegistration, WebAuthnError } from './webauthn/index.js';

/**
 * Whether this page can offer passkeys: the server has them on (`<meta name="nest-auth-passkeys">`, off
 * where the relying party would be an IP address) and the browser has WebAuthn.
 */
export function passkeysAvailable() {
  const on = document.querySelector('meta[name="nest-auth-passkeys"]')?.getAttribute('content') === 'on';
  return on && browserSupportsWebAuthn();
}

/**
 * Signs in with a passkey: passwordless (a discoverable credential with user verification), or as the
 * second step of a login when `mfaToken` is given. Answers the body of `POST /auth/passkeys/login`.
 * @param {string} [mfaToken]
 */
export async function passkeySignIn(mfaToken) {
  const step = mfaToken ? { mfaToken } : {};
  const { body: optionsJSON } = await call('POST', '/passkeys/login/options', step, { expectSignedIn: false });
  const response = await startAuthentication({ optionsJSON });
  return (await call('POST', '/passkeys/login', { response, ...step }, { expectSignedIn: false })).body;
}

/**
 * Makes a passkey for the signed-in user and registers it under `name`.
 * @param {string} name
 * @returns {Promise<{ id: string, name: string, createdAt: string }>}
 */
export async function registerPasskey(name) {
  const { body: optionsJSON } = await post('/passkeys/register/options');
  const response = await startRegistration({ optionsJSON });
  return (await post('/passkeys/register', { response, ...(name ? { name } : {}) })).body;
}

/**
 * The browser's refusals in words (the API's are left to `describeError`); null when it is not one.
 * @param {unknown} error
 */
export function describeCeremonyError(error) {
  if (!(error instanceof WebAuthnError) && !(error instanceof DOMException)) return null;
  if (error.name === 'NotAllowedError' || (error instanceof WebAuthnError && error.code === 'ERROR_CEREMONY_ABORTED'))
    return 'The passkey prompt was closed or timed out. Try again.';
  if (error.name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
  return 'Your browser could not use a passkey here.';
}

/**
 * `busy` for a passkey action: a refusal by the browser (prompt closed, no authenticator) is shown in
 * words, anything else as `busy` shows it.
 * @param {HTMLButtonElement | HTMLFormElement} control
 * @param {HTMLElement} area
 * @param {() => Promise<void>} action
 */
export function passkeyBusy(control, area, action) {
  return busy(control, area, async () => {
    try {
      await action();
    } catch (error) {
      const text = describeCeremonyError(error);
      if (!text) throw error;
      say(area, text, 'error');
    }
  });
}
