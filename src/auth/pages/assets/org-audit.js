// @ts-check
import { formatDate, h, messageArea } from './dom.js';
import { listTable, pagedRows } from './org-common.js';

/**
 * @typedef {{ id: string, type: string, userId: string | null, actorId: string | null, ip: string | null, detail: Record<string, string | number | boolean> | null, createdAt: string }} OrgEvent
 */

/** @param {OrgEvent['detail']} detail what the event says beside its type, without the organization's own id */
const describeDetail = (detail) =>
  Object.entries(detail ?? {})
    .filter(([name]) => name !== 'orgId')
    .map(([name, value]) => `${name}: ${value}`)
    .join(', ');

/**
 * The organization's audit events, newest first, a page at a time. Shown to those with `audit:read`.
 * @type {import('./org.js').OrgPart}
 */
export const auditPart = {
  id: 'org-audit',
  title: 'Audit log',
  render: async (context) => {
    if (!context.can('audit:read')) return null;
    const area = messageArea();
    const table = listTable('Audit events, newest first', ['When', 'Event', 'By', 'Detail'], []);
    const tbody = /** @type {HTMLElement} */ (table.querySelector('tbody'));
    /** @param {OrgEvent} event */
    const row = (event) =>
      h(
        'tr',
        { 'data-event': event.id },
        h('td', { 'data-label': 'When' }, formatDate(event.createdAt)),
        h('td', { 'data-label': 'Event' }, h('code', {}, event.type)),
        h('td', { 'data-label': 'By' }, event.actorId ?? event.userId ?? '—'),
        h('td', { 'data-label': 'Detail' }, describeDetail(event.detail) || '—'),
      );
    const pages = pagedRows(`${context.base}/audit`, tbody, row, area);
    await pages.load();
    return h('div', {}, table, pages.button, area);
  },
};
