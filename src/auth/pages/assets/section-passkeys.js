// @ts-check
import { ApiError, call, get } from './api.js';
import { busy, field, formatDate, formValues, h, messageArea, replaceChildren, say } from './dom.js';
import { passkeyBusy, passkeysAvailable, registerPasskey } from './passkey-ceremonies.js';

/** @typedef {{ id: string, name: string, createdAt: string, lastUsedAt: string | null }} PasskeyView */

const SECTION_ID = 'passkeys';

/** The user's passkeys: add one made on this device, remove one. @type {import('./account-modules.js').AccountSection} */
export const passkeysSection = {
  id: SECTION_ID,
  title: 'Passkeys',
  render: async (context) => {
    if (!document.querySelector('meta[name="nest-auth-passkeys"][content="on"]')) return null;
    /** @type {PasskeyView[]} */
    const passkeys = await get('/passkeys');
    const area = messageArea();
    const reload = async () => {
      await context.refresh(SECTION_ID);
      await context.refresh('two-factor');
    };
    const list = passkeys.length
      ? h(
          'table',
          { class: 'list' },
          h('caption', { class: 'visually-hidden' }, 'Your passkeys'),
          h(
            'thead',
            {},
            h('tr', {}, ...['Name', 'Added', 'Last used', ''].map((title) => h('th', { scope: 'col' }, title))),
          ),
          h('tbody', {}, ...passkeys.map((passkey) => passkeyRow(passkey, area, reload))),
        )
      : h(
          'p',
          {},
          'No passkeys yet. A passkey signs you in with your fingerprint, face or screen lock, without a password.',
        );
    return h('div', {}, list, area, passkeysAvailable() ? addForm(area, reload) : unsupported());
  },
};

function unsupported() {
  return h('p', { class: 'hint' }, 'This browser cannot make passkeys; you can add one from another browser.');
}

/** @param {HTMLElement} area @param {() => Promise<void>} reload */
function addForm(area, reload) {
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { 'aria-label': 'Add a passkey' },
      h('h3', {}, 'New passkey'),
      field(
        'Name',
        { name: 'name', type: 'text', maxlength: 100, placeholder: 'work laptop' },
        'Optional: helps you tell your passkeys apart.',
      ),
      h('button', { type: 'submit' }, 'Add a passkey'),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void passkeyBusy(form, area, async () => {
      const created = await registerPasskey(formValues(form).name.trim());
      await reload();
      const message = document.querySelector(`#${SECTION_ID} .message`);
      if (message instanceof HTMLElement) say(message, `Passkey “${created.name}” added.`, 'success');
    });
  });
  return form;
}

/**
 * @param {PasskeyView} passkey
 * @param {HTMLElement} area
 * @param {() => Promise<void>} reload
 */
function passkeyRow(passkey, area, reload) {
  const actions = h('td', { 'data-label': '' });
  const showActions = () => {
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${passkey.name}` }, 'Remove');
    remove.addEventListener('click', () => confirmRemove());
    replaceChildren(actions, remove);
  };
  /** @param {Record<string, string>} [body] */
  const removeNow = async (body) => {
    await call('DELETE', `/passkeys/${encodeURIComponent(passkey.id)}`, body);
    await reload();
    const message = document.querySelector(`#${SECTION_ID} .message`);
    if (message instanceof HTMLElement) say(message, `Passkey “${passkey.name}” removed.`, 'success');
  };
  const confirmRemove = () => {
    const yes = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'danger' }, 'Remove now'));
    const no = h('button', { type: 'button', class: 'secondary', onclick: showActions }, 'Cancel');
    yes.addEventListener('click', () =>
      busy(yes, area, async () => {
        try {
          await removeNow();
        } catch (error) {
          // The last passkey of a user with a password: the API asks for the password (400).
          if (error instanceof ApiError && error.status === 400 && /currentPassword/.test(error.message))
            return askPassword();
          throw error;
        }
      }),
    );
    replaceChildren(actions, h('span', { class: 'confirm' }, 'Remove this passkey?'), yes, no);
    yes.focus();
  };
  const askPassword = () => {
    const form = /** @type {HTMLFormElement} */ (
      h(
        'form',
        { 'aria-label': `Confirm removing ${passkey.name}` },
        field(
          'Current password',
          {
            name: 'currentPassword',
            type: 'password',
            autocomplete: 'current-password',
            required: true,
            maxlength: 128,
          },
          'It is your last passkey: confirm with your password.',
        ),
        h(
          'div',
          { class: 'row' },
          h('button', { type: 'submit', class: 'danger' }, 'Remove now'),
          h('button', { type: 'button', class: 'secondary', onclick: showActions }, 'Cancel'),
        ),
      )
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(form, area, () => removeNow({ currentPassword: formValues(form).currentPassword }));
    });
    replaceChildren(actions, form);
    form.querySelector('input')?.focus();
  };
  showActions();
  return h(
    'tr',
    { 'data-passkey': passkey.id },
    h('td', { 'data-label': 'Name' }, passkey.name),
    h('td', { 'data-label': 'Added' }, formatDate(passkey.createdAt)),
    h('td', { 'data-label': 'Last used' }, passkey.lastUsedAt ? formatDate(passkey.lastUsedAt) : 'never'),
    actions,
  );
}
