// @ts-check
import {
  ApiError,
  call,
  describeError,
  get,
  onReauthenticationRequired,
  onSignedOut,
  post,
  setCsrfToken,
} from './api.js';
import { busy, h, messageArea, replaceChildren, say } from './dom.js';
import { grants } from './org-common.js';
import { auditPart } from './org-audit.js';
import { keysPart } from './org-keys.js';
import { invitationsPart, membersPart } from './org-members.js';
import { rolesPart } from './org-roles.js';
import { settingsPart } from './org-settings.js';
import { orgIdOfPage, pagePath } from './paths.js';
import { askToReauthenticate } from './reauthenticate-dialog.js';
import { sectionCard } from './section-card.js';

/**
 * @typedef {{ id: string, name: string, slug: string, createdAt: string, requireMfa: boolean }} OrgView
 * @typedef {{ name: string, permissions: string[], builtIn: boolean }} RoleView
 *
 * @typedef {object} OrgContext
 * @property {string} base the organization's routes, `/orgs/<id>`: every call of this page goes under it
 * @property {OrgView} org
 * @property {{ id: string, email: string }} user
 * @property {string} role the caller's role in the organization
 * @property {RoleView[]} roles
 * @property {(permission: string) => boolean} can whether the caller's role grants it (the server decides anyway)
 * @property {(id: string) => Promise<void>} refresh re-renders one part
 * @property {() => Promise<void>} reload re-reads the organization and the caller's role, and re-renders every part
 *
 * @typedef {object} OrgPart
 * @property {string} id also the part's element id
 * @property {string} title
 * @property {(context: OrgContext) => Promise<HTMLElement | null>} render null: nothing the caller may see
 */

/** The parts of an organization's page, in the order they appear. @type {OrgPart[]} */
const parts = [settingsPart, membersPart, invitationsPart, rolesPart, keysPart, auditPart];

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const userBar = /** @type {HTMLElement} */ (document.getElementById('user-bar'));
/** Read once from this page's URL: no other tab and nothing stored can change which organization it acts in. */
const orgId = orgIdOfPage();
const base = `/orgs/${encodeURIComponent(orgId)}`;
/** @type {Map<string, HTMLElement>} */
const rendered = new Map();
/** @type {OrgContext | null} */
let context = null;

onSignedOut((reason) => showSignedOut(reason));
onReauthenticationRequired(askToReauthenticate);

/** @param {string} reason */
function showSignedOut(reason) {
  context = null;
  setCsrfToken(null);
  replaceChildren(userBar);
  document.title = 'Sign in';
  const area = messageArea();
  say(area, reason, 'info');
  replaceChildren(
    main,
    h('h1', {}, 'Organization'),
    area,
    h('p', {}, h('a', { class: 'button', href: pagePath.account }, 'Sign in'), ' then open this page again.'),
  );
}

/** @param {string} text */
function showProblem(text) {
  const area = messageArea();
  say(area, text, 'error');
  replaceChildren(
    main,
    h('h1', {}, 'Organization'),
    area,
    h('p', {}, h('a', { href: pagePath.account }, 'Back to your account')),
  );
}

/** @param {{ id: string, email: string }} user */
async function show(user) {
  /** @type {{ id: string, role: string }[]} */
  const mine = await get('/orgs');
  const membership = mine.find((candidate) => candidate.id === orgId);
  if (!membership) return showProblem('Organization not found.');
  /** @type {[OrgView, RoleView[]]} */
  const [org, roles] = await Promise.all([get(base), get(`${base}/roles`)]);
  const held = roles.find((role) => role.name === membership.role)?.permissions ?? [];
  context = {
    base,
    org,
    user,
    role: membership.role,
    roles,
    can: (permission) => grants(held, permission),
    refresh,
    reload: () => show(user),
  };
  document.title = org.name;
  const elements = await Promise.all(parts.map((part) => renderPart(part)));
  rendered.clear();
  parts.forEach((part, index) => rendered.set(part.id, elements[index]));
  const shown = parts.filter((_, index) => !elements[index].hidden);
  replaceChildren(
    main,
    h('p', { class: 'hint' }, h('a', { href: pagePath.account }, 'Your account'), ' › Organizations'),
    h('h1', {}, org.name),
    h('p', {}, 'Your role: ', h('strong', { id: 'org-role' }, membership.role)),
    h(
      'nav',
      { 'aria-label': 'Sections' },
      h('ul', {}, ...shown.map((part) => h('li', {}, h('a', { href: `#${part.id}` }, part.title)))),
    ),
    ...elements,
  );
}

/** @param {string} id */
async function refresh(id) {
  const part = parts.find((candidate) => candidate.id === id);
  const old = rendered.get(id);
  if (!part || !old) return;
  const element = await renderPart(part);
  old.replaceWith(element);
  rendered.set(id, element);
}

/** @param {OrgPart} part */
const renderPart = (part) => sectionCard(part, /** @type {OrgContext} */ (context));

/** @param {{ email: string }} user */
function showUserBar(user) {
  const area = messageArea();
  const signOut = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'secondary' }, 'Sign out'));
  signOut.addEventListener('click', () =>
    busy(signOut, area, async () => {
      await post('/logout');
      showSignedOut('You are signed out.');
    }),
  );
  replaceChildren(userBar, h('span', { class: 'who' }, user.email), signOut, area);
}

async function start() {
  try {
    const me = await call('GET', '/me', undefined, { expectSignedIn: false });
    setCsrfToken((await get('/csrf')).csrfToken);
    showUserBar(me.body.user);
    await show(me.body.user);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showSignedOut('Sign in to see this organization.');
    if (error instanceof ApiError && error.status === 404) return showProblem('Organization not found.');
    const text = describeError(error);
    if (text) showProblem(text);
  }
}

/** A session ended elsewhere sends the page to its signed-out view (a 401 reaches onSignedOut). */
window.addEventListener('focus', () => {
  if (context) get('/me').catch(() => undefined);
});
void start();
