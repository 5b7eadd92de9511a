// @ts-check
import { call } from './api.js';
import { busy, field, formValues, h, messageArea } from './dom.js';

/**
 * A code form for the second step of a login (`POST /auth/login/mfa`).
 * @param {{ id: string, label: string, name: 'code' | 'recoveryCode', field: Record<string, string | boolean | number>, hint: string, submit: string }} kind
 * @param {{ mfaToken: string }} challenge
 * @param {import('./account-modules.js').SignInContext} context
 */
function codeForm(kind, challenge, context) {
  const area = messageArea();
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { id: kind.id },
      field(
        kind.label,
        { name: kind.name, autocomplete: 'one-time-code', required: true, spellcheck: 'false', ...kind.field },
        kind.hint,
      ),
      area,
      h('button', { type: 'submit' }, kind.submit),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, area, async () => {
      const value = formValues(form)[kind.name].replace(/\s+/g, '');
      const { body } = await call(
        'POST',
        '/login/mfa',
        { mfaToken: challenge.mfaToken, [kind.name]: value },
        { expectSignedIn: false },
      );
      context.signedIn(body);
    });
  });
  queueMicrotask(() => form.querySelector('input')?.focus());
  return form;
}

/** The 6-digit code of an authenticator app. @type {import('./account-modules.js').SecondStep} */
export const totpSecondStep = {
  method: 'totp',
  label: 'Code from your authenticator app',
  render: (challenge, context) =>
    codeForm(
      {
        id: 'totp-step',
        label: 'Code from your authenticator app',
        name: 'code',
        field: { type: 'text', inputmode: 'numeric', pattern: '[0-9 ]{6,7}', maxlength: 7 },
        hint: 'The 6 digits your app shows for this account.',
        submit: 'Verify',
      },
      challenge,
      context,
    ),
};

/** One of the recovery codes saved at enrolment; each works once. @type {import('./account-modules.js').SecondStep} */
export const recoverySecondStep = {
  method: 'recovery',
  label: 'Recovery code',
  render: (challenge, context) =>
    codeForm(
      {
        id: 'recovery-step',
        label: 'Recovery code',
        name: 'recoveryCode',
        field: { type: 'text', maxlength: 64 },
        hint: 'Lost your device? Use one of the codes you saved when you turned on two-factor authentication. Each works once.',
        submit: 'Use recovery code',
      },
      challenge,
      context,
    ),
};
