// @ts-check
import { get } from './api.js';
import { busy, formatDate, h, messageArea, say } from './dom.js';

/**
 * @typedef {{ id: string, type: string, userId: string | null, userEmail: string | null, actorId: string | null, actorEmail: string | null, mechanism: string | null, ip: string | null, userAgent: string | null, detail: Record<string, unknown> | null, createdAt: string }} AuditEvent
 */

const COLUMNS = ['When', 'Event', 'User', 'By', 'Via', 'IP address', 'Details'];

/**
 * A table of audit events, newest first, a page at a time: "Show more" asks for the page after the
 * last one shown (`nextCursor`) and is there only while the server says there is one.
 * @param {string} caption
 * @param {(userId: string) => void} [openUser] makes each user a link to their detail view
 */
export function auditTable(caption, openUser) {
  const area = messageArea();
  const body = h('tbody');
  const more = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more')
  );
  /** @type {URLSearchParams} */
  let filter = new URLSearchParams();
  /** @type {string | null} */
  let cursor = null;

  const fetchPage = async (/** @type {boolean} */ append) => {
    const params = new URLSearchParams(filter);
    params.set('cursor', append && cursor ? cursor : '');
    /** @type {{ items: AuditEvent[], nextCursor: string | null }} */
    const page = await get(`/admin/audit?${params}`);
    if (!append) body.replaceChildren();
    body.append(...page.items.map(row));
    cursor = page.nextCursor;
    more.hidden = !cursor;
    say(area, !append && page.items.length === 0 ? 'No events match.' : '', 'info');
  };

  /**
   * @param {string | null} id
   * @param {string | null} email
   */
  const who = (id, email) => {
    if (!id) return '—';
    const name = email ?? id;
    return openUser && email
      ? h('button', { type: 'button', class: 'link', title: id, onclick: () => openUser(id) }, name)
      : h('span', { title: id }, name);
  };

  /** @param {AuditEvent} event */
  const row = (event) =>
    h(
      'tr',
      { 'data-event': event.id },
      h('td', { 'data-label': 'When' }, formatDate(event.createdAt)),
      h('td', { 'data-label': 'Event' }, h('code', {}, event.type)),
      h('td', { 'data-label': 'User' }, who(event.userId, event.userEmail)),
      h('td', { 'data-label': 'By' }, who(event.actorId, event.actorEmail)),
      h('td', { 'data-label': 'Via' }, event.mechanism ?? '—'),
      h('td', { 'data-label': 'IP address' }, event.ip ?? '—'),
      h(
        'td',
        { 'data-label': 'Details' },
        event.detail
          ? Object.entries(event.detail)
              .map(([k, v]) => `${k}: ${String(v)}`)
              .join(', ')
          : '—',
      ),
    );

  more.addEventListener('click', () => {
    if (cursor) void busy(more, area, () => fetchPage(true));
  });

  return {
    element: h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'list audit' },
        h('caption', { class: 'visually-hidden' }, caption),
        h('thead', {}, h('tr', {}, ...COLUMNS.map((title) => h('th', { scope: 'col' }, title)))),
        body,
      ),
      area,
      more,
    ),
    /** The first page of the events `params` select (`userId`, `type`, `limit`); errors are the caller's. */
    load: (/** @type {URLSearchParams} */ params) => {
      filter = params;
      cursor = null;
      return fetchPage(false);
    },
    area,
  };
}
