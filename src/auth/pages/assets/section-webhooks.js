// @ts-check
import { ApiError, call, del, get, post } from './api.js';
import { busy, field, formatDate, formValues, h, messageArea, replaceChildren, say } from './dom.js';

/**
 * @typedef {{ id: string, url: string, events: string[], description: string | null, disabled: boolean, previousSecretUntil: string | null, createdAt: string }} WebhookView
 * @typedef {{ id: string, eventId: string, eventType: string, attempts: number, lastStatus: number | null, lastError: string | null, deliveredAt: string | null, failedAt: string | null, nextAttemptAt: string | null, createdAt: string }} DeliveryView
 */

/**
 * The admin's webhook endpoints: add one (its secret shown once), rotate its secret, pause, delete, and
 * see its deliveries and send one again. Null when the app does not list the webhooks feature.
 * @returns {Promise<HTMLElement | null>}
 */
export async function webhooksSection() {
  /** @type {WebhookView[]} */
  let endpoints;
  try {
    endpoints = (await call('GET', '/admin/webhooks')).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
  const area = messageArea();
  const slot = h('div', { class: 'reveal-slot' });
  const list = h('div');
  const deliveries = h('div', { id: 'webhook-deliveries' });

  const reload = async () => {
    endpoints = await get('/admin/webhooks');
    replaceChildren(list, endpointsTable());
  };

  const create = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { 'aria-label': 'Add a webhook endpoint' },
      h('h3', {}, 'New endpoint'),
      field('Endpoint URL', { name: 'url', type: 'url', required: true, maxlength: 2048, placeholder: 'https://…' }),
      field(
        'Subscribed to',
        { name: 'events', type: 'text', required: true, placeholder: 'user.disabled password.changed', value: '*' },
        'Audit event types separated by spaces, or * for every one.',
      ),
      field('Note', { name: 'description', type: 'text', maxlength: 200 }),
      h('button', { type: 'submit' }, 'Add endpoint'),
    )
  );
  create.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(create, area, async () => {
      const { url, events, description } = formValues(create);
      const body = {
        url: url.trim(),
        events: events.split(/[\s,]+/).filter(Boolean),
        ...(description.trim() ? { description: description.trim() } : {}),
      };
      const created = (await post('/admin/webhooks', body)).body;
      create.reset();
      await reload();
      showSecret(slot, `Signing secret of ${created.url}`, created.secret);
    });
  });

  const endpointsTable = () =>
    endpoints.length
      ? h(
          'table',
          { class: 'list' },
          h('caption', { class: 'visually-hidden' }, 'Webhook endpoints'),
          h(
            'thead',
            {},
            h('tr', {}, ...['URL', 'Events', 'Created', 'Status', ''].map((title) => h('th', { scope: 'col' }, title))),
          ),
          h('tbody', {}, ...endpoints.map(endpointRow)),
        )
      : h('p', { class: 'hint' }, 'No endpoints yet.');

  /** @param {WebhookView} endpoint */
  const endpointRow = (endpoint) => {
    /**
     * @param {string} label
     * @param {string} kind
     * @param {() => Promise<void>} action
     */
    const button = (label, kind, action) => {
      const element = /** @type {HTMLButtonElement} */ (
        h('button', { type: 'button', class: kind, 'aria-label': `${label}: ${endpoint.url}` }, label)
      );
      element.addEventListener('click', () => busy(element, area, action));
      return element;
    };
    return h(
      'tr',
      { 'data-webhook': endpoint.id },
      h(
        'td',
        { 'data-label': 'URL' },
        h('code', {}, endpoint.url),
        endpoint.description ? ` ${endpoint.description}` : '',
      ),
      h('td', { 'data-label': 'Events' }, endpoint.events.join(', ')),
      h('td', { 'data-label': 'Created' }, formatDate(endpoint.createdAt)),
      h(
        'td',
        { 'data-label': 'Status' },
        endpoint.disabled
          ? h('span', { class: 'badge badge-warn' }, 'paused')
          : h('span', { class: 'badge badge-ok' }, 'active'),
      ),
      h(
        'td',
        { 'data-label': '' },
        button('Deliveries', 'secondary', () => showDeliveries(endpoint)),
        button('Rotate secret', 'secondary', async () => {
          const rotated = (await post(`/admin/webhooks/${encodeURIComponent(endpoint.id)}/rotate-secret`)).body;
          await reload();
          showSecret(
            slot,
            `New signing secret of ${endpoint.url}`,
            rotated.secret,
            `The old secret also signs until ${formatDate(rotated.previousSecretUntil)}.`,
          );
        }),
        button('Delete', 'danger', async () => {
          if (!window.confirm(`Delete the endpoint ${endpoint.url}? Deliveries waiting for it are dropped.`)) return;
          await del(`/admin/webhooks/${encodeURIComponent(endpoint.id)}`);
          replaceChildren(deliveries);
          say(area, 'Endpoint deleted.', 'success');
          await reload();
        }),
      ),
    );
  };

  /** @param {WebhookView} endpoint */
  const showDeliveries = async (endpoint) => {
    const base = `/admin/webhooks/${encodeURIComponent(endpoint.id)}/deliveries`;
    /** @type {{ items: DeliveryView[], nextCursor: string | null }} */
    const page = await get(base);
    const rows = page.items.map((delivery) => {
      const again = /** @type {HTMLButtonElement} */ (
        h(
          'button',
          { type: 'button', class: 'secondary', 'aria-label': `Send again: ${delivery.eventType}` },
          'Send again',
        )
      );
      again.addEventListener('click', () =>
        busy(again, area, async () => {
          await post(`${base}/${encodeURIComponent(delivery.id)}/redeliver`);
          say(area, 'Queued to be sent again.', 'success');
          await showDeliveries(endpoint);
        }),
      );
      const status = delivery.deliveredAt
        ? `delivered ${formatDate(delivery.deliveredAt)}`
        : delivery.failedAt
          ? `failed ${formatDate(delivery.failedAt)}`
          : delivery.nextAttemptAt
            ? `next attempt ${formatDate(delivery.nextAttemptAt)}`
            : 'waiting';
      return h(
        'tr',
        {},
        h('td', { 'data-label': 'Created' }, formatDate(delivery.createdAt)),
        h('td', { 'data-label': 'Event' }, h('code', {}, delivery.eventType)),
        h('td', { 'data-label': 'Attempts' }, String(delivery.attempts)),
        h(
          'td',
          { 'data-label': 'Last answer' },
          delivery.lastStatus !== null ? String(delivery.lastStatus) : (delivery.lastError ?? '—'),
        ),
        h('td', { 'data-label': 'Status' }, status),
        h('td', { 'data-label': '' }, again),
      );
    });
    replaceChildren(
      deliveries,
      h('h3', {}, `Deliveries to ${endpoint.url}`),
      rows.length
        ? h(
            'table',
            { class: 'list' },
            h('caption', { class: 'visually-hidden' }, 'Deliveries, newest first'),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['Created', 'Event', 'Attempts', 'Last answer', 'Status', ''].map((title) =>
                  h('th', { scope: 'col' }, title),
                ),
              ),
            ),
            h('tbody', {}, ...rows),
          )
        : h('p', { class: 'hint' }, 'No deliveries yet.'),
    );
  };

  replaceChildren(list, endpointsTable());
  return h(
    'section',
    { id: 'webhooks', class: 'card', 'aria-labelledby': 'webhooks-title' },
    h('h2', { id: 'webhooks-title' }, 'Webhooks'),
    slot,
    list,
    create,
    area,
    deliveries,
  );
}

/**
 * A secret just issued, once: it is in this page's memory and nowhere else, and gone when dismissed.
 * @param {HTMLElement} slot
 * @param {string} title
 * @param {string} secret
 * @param {string} [note]
 */
function showSecret(slot, title, secret, note) {
  const area = messageArea();
  const input = /** @type {HTMLInputElement} */ (
    h('input', {
      id: 'new-webhook-secret',
      type: 'text',
      readonly: true,
      spellcheck: 'false',
      autocomplete: 'off',
      class: 'secret-value',
      'aria-label': 'Signing secret',
    })
  );
  input.value = secret;
  const copy = h('button', { type: 'button' }, 'Copy');
  copy.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(secret);
      say(area, 'Copied.', 'success');
    } catch {
      say(area, 'Copying was not allowed: the secret is selected, copy it with Ctrl+C or ⌘C.', 'info');
    }
  });
  const done = h('button', { type: 'button', class: 'secondary' }, 'I have stored it safely');
  done.addEventListener('click', () => {
    input.value = '';
    replaceChildren(slot);
  });
  replaceChildren(
    slot,
    h(
      'div',
      { class: 'secret', role: 'region', 'aria-label': title },
      h('h3', {}, title),
      h(
        'p',
        { class: 'warning' },
        h('strong', {}, 'Copy it now: it will not be shown again.'),
        ' The receiver verifies every delivery with it (Standard Webhooks).',
        note ? ` ${note}` : '',
      ),
      h('div', { class: 'row' }, input, copy),
      done,
      area,
    ),
  );
  input.focus();
}
