// @ts-check
import { post } from './api.js';
import { busy, h, messageArea } from './dom.js';
import { pagePath } from './paths.js';

/**
 * While an admin impersonates a user (`GET /auth/me` carries `actor`), every page says so at its top,
 * with a way back: ending it returns the admin's own session, on the admin page.
 * @param {{ user: { email: string }, actor?: { id: string, email: string } } | null} me null: signed out
 */
export function showImpersonationBanner(me) {
  document.getElementById('impersonation-banner')?.remove();
  if (!me?.actor) return;
  const area = messageArea();
  const end = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'secondary' }, 'End'));
  end.addEventListener('click', () =>
    busy(end, area, async () => {
      await post('/impersonation/end');
      location.assign(pagePath.admin);
    }),
  );
  document.body.prepend(
    h(
      'div',
      { id: 'impersonation-banner', role: 'status', class: 'impersonation' },
      h('span', {}, `You are signed in as ${me.user.email} by ${me.actor.email} —`),
      end,
      area,
    ),
  );
}
