// @ts-check
import { get } from './api.js';
import { busy, h } from './dom.js';

/**
 * A table of the pages' `list` style: one header row, rows that stack into cards on a narrow screen.
 * @param {string} caption read by screen readers only
 * @param {string[]} headers
 * @param {HTMLElement[]} rows
 */
export function listTable(caption, headers, rows) {
  return h(
    'table',
    { class: 'list' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, ...rows),
  );
}

/**
 * A button that runs `action` while disabled and reports its failure in `area`.
 * @param {string} name what a screen reader announces (the label and what it acts on)
 * @param {string} label
 * @param {'primary' | 'secondary' | 'danger'} kind
 * @param {HTMLElement} area
 * @param {() => Promise<void>} action
 */
export function actionButton(name, label, kind, area, action) {
  const button = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', class: kind === 'primary' ? undefined : kind, 'aria-label': name }, label)
  );
  button.addEventListener('click', () => busy(button, area, action));
  return button;
}

/**
 * Whether a role's permissions grant `permission`, as the server decides it (listed, or `*` without it
 * subtracted): the page only hides what the server would refuse anyway.
 * @param {readonly string[]} held
 * @param {string} permission
 */
export function grants(held, permission) {
  if (held.includes(permission)) return true;
  return held.includes('*') && !held.includes(`!${permission}`);
}

/**
 * Rows of a list read a page at a time (`{items, nextCursor}`), with a "Show more" button that shows only
 * while the server says there is more.
 * @template T
 * @param {string} path the list's route, with or without a query
 * @param {HTMLElement} tbody where the rows go
 * @param {(item: T) => HTMLElement} toRow
 * @param {HTMLElement} area where a failure is said
 */
export function pagedRows(path, tbody, toRow, area) {
  /** @type {string | null} */
  let cursor = null;
  const button = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more')
  );
  const load = async () => {
    const query = cursor === null ? '' : `${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;
    /** @type {{ items: T[], nextCursor: string | null }} */
    const page = await get(`${path}${query}`);
    tbody.append(...page.items.map(toRow));
    cursor = page.nextCursor;
    button.hidden = cursor === null;
  };
  button.addEventListener('click', () => busy(button, area, load));
  return { button, load };
}
