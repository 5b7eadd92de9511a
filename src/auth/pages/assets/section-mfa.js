// @ts-check
import { call, post } from './api.js';
import { busy, field, formValues, h, messageArea, replaceChildren, say } from './dom.js';
import { renderQrCode } from './totp-qr.js';

/** @typedef {{ totp: boolean, recoveryCodesLeft: number, passkeys: number }} MfaState */

const SECTION_ID = 'two-factor';

/**
 * TOTP with an authenticator app (QR code, confirm with a code), its recovery codes, and turning it off.
 * The enrolment secret and the recovery codes live in this section's DOM only: a re-render drops them.
 * @type {import('./account-modules.js').AccountSection}
 */
export const mfaSection = {
  id: SECTION_ID,
  title: 'Two-factor authentication',
  render: async (context) => {
    /** @type {MfaState} */
    const state = (await call('GET', '/mfa')).body;
    const area = messageArea();
    const slot = h('div', { class: 'reveal-slot' });
    const reload = () => context.refresh(SECTION_ID);
    const status = h(
      'p',
      { 'data-field': 'totp-status' },
      'Authenticator app: ',
      h('span', { class: `badge ${state.totp ? 'badge-ok' : 'badge-warn'}` }, state.totp ? 'on' : 'off'),
      state.totp ? ` · ${state.recoveryCodesLeft} recovery code${state.recoveryCodesLeft === 1 ? '' : 's'} left` : null,
      state.passkeys
        ? ` · ${state.passkeys} passkey${state.passkeys === 1 ? '' : 's'} can also confirm a sign-in`
        : null,
    );
    const body = h('div', {}, status, slot, area);
    if (state.totp) body.append(disableForm(area, reload), regenerateForm(area, slot));
    else body.append(enrolForm(area, slot, reload));
    return body;
  },
};

/**
 * @param {HTMLElement} area
 * @param {HTMLElement} slot
 * @param {() => Promise<void>} reload
 */
function enrolForm(area, slot, reload) {
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { 'aria-label': 'Turn on two-factor authentication' },
      h('p', {}, 'Ask for a code from an authenticator app (1Password, Google Authenticator, …) at every sign-in.'),
      passwordField(),
      h('button', { type: 'submit' }, 'Set up an authenticator app'),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, area, async () => {
      /** @type {{ secret: string, otpauthUrl: string }} */
      const enrolment = (await post('/mfa/totp', { currentPassword: formValues(form).currentPassword })).body;
      form.reset();
      form.hidden = true;
      say(area, '');
      replaceChildren(
        slot,
        enrolmentPanel(enrolment, area, slot, reload, () => {
          replaceChildren(slot);
          form.hidden = false;
        }),
      );
    });
  });
  return form;
}

/**
 * The QR code, the secret for typing in, and the code that confirms it.
 * @param {{ secret: string, otpauthUrl: string }} enrolment
 * @param {HTMLElement} area
 * @param {HTMLElement} slot
 * @param {() => Promise<void>} reload
 * @param {() => void} cancel
 */
function enrolmentPanel(enrolment, area, slot, reload, cancel) {
  const confirm = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { 'aria-label': 'Confirm the authenticator app' },
      field('Code from the app', {
        name: 'code',
        type: 'text',
        inputmode: 'numeric',
        autocomplete: 'one-time-code',
        pattern: '[0-9 ]{6,7}',
        maxlength: 7,
        required: true,
      }),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit' }, 'Turn on'),
        h('button', { type: 'button', class: 'secondary', onclick: cancel }, 'Cancel'),
      ),
    )
  );
  confirm.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(confirm, area, async () => {
      const code = formValues(confirm).code.replace(/\s+/g, '');
      /** @type {{ recoveryCodes: string[] }} */
      const { recoveryCodes } = (await post('/mfa/totp/confirm', { code })).body;
      await reload();
      const fresh = document.querySelector(`#${SECTION_ID} .reveal-slot`);
      if (fresh instanceof HTMLElement) {
        replaceChildren(
          fresh,
          recoveryCodesPanel(recoveryCodes, 'Two-factor authentication is on. Save your recovery codes', () =>
            replaceChildren(fresh),
          ),
        );
      }
    });
  });
  queueMicrotask(() => confirm.querySelector('input')?.focus());
  return h(
    'div',
    { class: 'secret', role: 'region', 'aria-label': 'Set up your authenticator app' },
    h('h3', {}, 'Scan this code with your authenticator app'),
    renderQrCode(enrolment.otpauthUrl),
    h('p', {}, 'Cannot scan it? Enter this key in the app instead:'),
    h('p', {}, h('code', { id: 'totp-secret', class: 'secret-value' }, enrolment.secret)),
    h('p', {}, 'Then type the 6-digit code the app shows.'),
    confirm,
  );
}

/** @param {HTMLElement} area @param {() => Promise<void>} reload */
function disableForm(area, reload) {
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { 'aria-label': 'Turn off two-factor authentication' },
      h('h3', {}, 'Turn off'),
      passwordField(),
      field('Code from your app', {
        name: 'code',
        type: 'text',
        inputmode: 'numeric',
        autocomplete: 'one-time-code',
        pattern: '[0-9 ]{6,7}',
        maxlength: 7,
        required: true,
      }),
      h('button', { type: 'submit', class: 'danger' }, 'Turn off two-factor authentication'),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, area, async () => {
      const { currentPassword, code } = formValues(form);
      await call('DELETE', '/mfa/totp', { currentPassword, code: code.replace(/\s+/g, '') });
      await reload();
      const message = document.querySelector(`#${SECTION_ID} .message`);
      if (message instanceof HTMLElement)
        say(message, 'Two-factor authentication is off; the recovery codes no longer work.', 'success');
    });
  });
  return form;
}

/** @param {HTMLElement} area @param {HTMLElement} slot */
function regenerateForm(area, slot) {
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { 'aria-label': 'New recovery codes' },
      h('h3', {}, 'Recovery codes'),
      h('p', {}, 'New codes replace the old ones, which stop working.'),
      passwordField(),
      h('button', { type: 'submit', class: 'secondary' }, 'Make new recovery codes'),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, area, async () => {
      /** @type {{ recoveryCodes: string[] }} */
      const { recoveryCodes } = (
        await post('/mfa/recovery-codes', { currentPassword: formValues(form).currentPassword })
      ).body;
      form.reset();
      say(area, '');
      replaceChildren(
        slot,
        recoveryCodesPanel(recoveryCodes, 'Your new recovery codes', () => replaceChildren(slot)),
      );
    });
  });
  return form;
}

function passwordField() {
  return field('Current password', {
    name: 'currentPassword',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 128,
  });
}

/**
 * The recovery codes, once, with a copy button: they are in this page's memory and nowhere else.
 * @param {string[]} codes
 * @param {string} title
 * @param {() => void} dismiss
 */
function recoveryCodesPanel(codes, title, dismiss) {
  const area = messageArea();
  const list = h(
    'ul',
    { id: 'recovery-codes', class: 'recovery-codes' },
    ...codes.map((code) => h('li', {}, h('code', {}, code))),
  );
  const copy = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', id: 'copy-recovery-codes' }, 'Copy codes')
  );
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      say(area, 'Copied.', 'success');
    } catch {
      getSelection()?.selectAllChildren(list);
      say(area, 'Copying was not allowed: the codes are selected, copy them with Ctrl+C or ⌘C.', 'info');
    }
  });
  const done = h('button', { type: 'button', class: 'secondary' }, 'I have saved them');
  done.addEventListener('click', () => {
    codes.length = 0;
    dismiss();
  });
  queueMicrotask(() => copy.focus());
  return h(
    'div',
    { class: 'secret', role: 'region', 'aria-label': 'Your recovery codes' },
    h('h3', {}, title),
    h(
      'p',
      { class: 'warning' },
      h('strong', {}, 'Save these codes now: they will not be shown again.'),
      ' Each signs you in once if you lose your authenticator app. Keep them somewhere safe, like a password manager.',
    ),
    list,
    h('div', { class: 'row' }, copy, done),
    area,
  );
}
