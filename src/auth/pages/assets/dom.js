// @ts-check
import { describeError } from './api.js';

/**
 * Builds elements without HTML parsing: every string becomes a text node or an attribute value, so a
 * name or email holding markup shows as text. Nothing here (or in any page module) uses innerHTML.
 *
 * @param {string} tag
 * @param {Record<string, string | boolean | number | EventListener | undefined | null>} [attributes]
 *   `on<event>` keys add listeners; `true` sets a boolean attribute; false, null and undefined are skipped.
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

/**
 * @param {Element} parent
 * @param {...(Node | string | number | null | undefined | false)} children
 */
export function append(parent, ...children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** @param {Element} element @param {...(Node | string | null | undefined | false)} children */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, ...children);
}

/** @param {string | null | undefined} iso */
export function formatDate(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? '—'
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * A message area: `role="status"` for news, `role="alert"` for errors, read out by screen readers.
 * @param {HTMLElement} area
 * @param {string} text
 * @param {'info' | 'success' | 'error'} [kind]
 */
export function say(area, text, kind = 'info') {
  area.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  area.className = `message message-${kind}`;
  area.textContent = text;
  area.hidden = !text;
}

/** @returns {HTMLElement} */
export function messageArea() {
  const area = h('p', { class: 'message', role: 'status', hidden: true });
  return area;
}

/**
 * A labelled input.
 * @param {string} label
 * @param {Record<string, string | boolean | number | undefined>} attributes
 * @param {string} [hint]
 */
export function field(label, attributes, hint) {
  const id = attributes.id ? String(attributes.id) : `f-${Math.random().toString(36).slice(2, 10)}`;
  const hintId = hint ? `${id}-hint` : undefined;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h('input', { ...attributes, id, 'aria-describedby': hintId }),
    hint ? h('small', { id: hintId, class: 'hint' }, hint) : null,
  );
}

/**
 * The form's values by input name, as typed (passwords are never trimmed).
 * @param {HTMLFormElement} form
 * @returns {Record<string, string>}
 */
export function formValues(form) {
  /** @type {Record<string, string>} */
  const values = {};
  for (const [name, value] of new FormData(form)) if (typeof value === 'string') values[name] = value;
  return values;
}

/**
 * Runs `action` with the form's submit button disabled, and reports its error in `area`.
 * @param {HTMLFormElement | HTMLButtonElement} control
 * @param {HTMLElement} area
 * @param {() => Promise<void>} action
 */
export async function busy(control, area, action) {
  const button = control instanceof HTMLFormElement ? control.querySelector('button[type="submit"]') : control;
  if (button instanceof HTMLButtonElement) button.disabled = true;
  try {
    await action();
  } catch (error) {
    const text = describeError(error);
    if (text) say(area, text, 'error');
  } finally {
    if (button instanceof HTMLButtonElement) button.disabled = false;
  }
}

/** A new password and its repetition, as the change and reset forms ask for them (`newPassword`, `confirmPassword`). */
export function newPasswordFields() {
  return [
    field(
      'New password',
      {
        name: 'newPassword',
        type: 'password',
        autocomplete: 'new-password',
        required: true,
        minlength: 12,
        maxlength: 128,
      },
      '12 to 128 characters.',
    ),
    field('New password again', {
      name: 'confirmPassword',
      type: 'password',
      autocomplete: 'new-password',
      required: true,
      maxlength: 128,
    }),
  ];
}
