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
import { accountSections, secondSteps, signInMethods } from './account-modules.js';
import { busy, h, messageArea, replaceChildren, say } from './dom.js';
import { showImpersonationBanner } from './impersonation-banner.js';
import { askToReauthenticate } from './reauthenticate-dialog.js';
import { sectionCard } from './section-card.js';

/** @typedef {import('./account-modules.js').PageUser} PageUser */

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const userBar = /** @type {HTMLElement} */ (document.getElementById('user-bar'));
const banner = /** @type {HTMLElement} */ (document.getElementById('banner'));

/** @type {PageUser | null} */
let currentUser = null;
/** @type {Map<string, HTMLElement>} */
const renderedSections = new Map();

/** How often a signed-in page checks that its session still stands (ended elsewhere, user disabled). */
const SESSION_CHECK_MS = 10_000;

/** @type {import('./account-modules.js').SignInContext} */
const signInContext = {
  signedIn: (body) => {
    setCsrfToken(body.csrfToken);
    void showAccount(body.user);
  },
  secondStepRequired: (challenge) => showSecondStep(challenge),
};

onSignedOut((reason) => showSignIn(reason));
onReauthenticationRequired(askToReauthenticate);

/**
 * Notices the server's redirects leave in the query (`/account?emailVerified=1`), then a clean URL.
 * Answers whether an OpenID sign-in waits for its second step (`?mfa=required`).
 */
function takeNoticeFromUrl() {
  const query = new URLSearchParams(location.search);
  const secondStepWaits = query.get('mfa') === 'required';
  if (query.get('emailVerified') === '1') say(banner, 'Your email address is verified.', 'success');
  else if (query.get('error') === 'invalid_token')
    say(banner, 'That link is invalid or has expired. Ask for a new one.', 'error');
  if (location.search) history.replaceState(null, '', location.pathname + location.hash);
  return secondStepWaits;
}

/**
 * After an OpenID callback for a user with MFA on: the challenge waits at `GET /auth/oidc/second-step`
 * (once, for this browser; never in the URL). False when none waits (404: spent, expired, reloaded).
 */
async function showOidcSecondStep() {
  try {
    const { body } = await call('GET', '/oidc/second-step', undefined, { expectSignedIn: false });
    if (!body?.mfaRequired) return false;
    showSecondStep(body, 'You signed in with your provider. Confirm it is you:');
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}

/** @param {string} [reason] */
async function showSignIn(reason) {
  currentUser = null;
  showImpersonationBanner(null);
  setCsrfToken(null);
  renderedSections.clear();
  replaceChildren(userBar);
  document.title = 'Sign in';
  const notice = messageArea();
  if (reason) say(notice, reason, 'info');
  const parts = (await Promise.all(signInMethods.map((method) => method.render(signInContext)))).filter(
    (part) => part !== null,
  );
  replaceChildren(main, h('h1', {}, 'Sign in'), notice, ...parts);
  focusHeading();
}

/**
 * @param {{ mfaToken: string, methods: string[] }} challenge
 * @param {string} [lead] what the first step was
 */
function showSecondStep(challenge, lead = 'Your password was right. Confirm it is you:') {
  const offered = secondSteps.filter((step) => challenge.methods.includes(step.method));
  const back = h('button', { type: 'button', class: 'secondary', onclick: () => void showSignIn() }, 'Back to sign in');
  document.title = 'Second step';
  if (offered.length === 0) {
    const area = messageArea();
    say(area, 'This account asks for a second sign-in step that this page cannot offer.', 'error');
    replaceChildren(main, h('h1', {}, 'Second step'), area, back);
  } else {
    replaceChildren(
      main,
      h('h1', {}, 'Second step'),
      h('p', {}, lead),
      ...offered.map((step) =>
        h('section', { class: 'card', 'aria-label': step.label }, step.render(challenge, signInContext)),
      ),
      back,
    );
  }
  focusHeading();
}

/** @param {PageUser} user */
async function showAccount(user) {
  currentUser = user;
  const signOutArea = messageArea();
  const signOut = h('button', { type: 'button', class: 'secondary', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', () =>
    busy(/** @type {HTMLButtonElement} */ (signOut), signOutArea, async () => {
      await post('/logout');
      void showSignIn('You are signed out.');
    }),
  );
  replaceChildren(userBar, h('span', { class: 'who' }, user.email), signOut, signOutArea);
  document.title = 'Your account';
  // Every section is ready before any shows, so the page never appears half built.
  const elements = await Promise.all(accountSections.map((section) => renderSection(section)));
  const shown = accountSections.filter((_, index) => !elements[index].hidden);
  const nav = h(
    'nav',
    { 'aria-label': 'Sections' },
    h('ul', {}, ...shown.map((section) => h('li', {}, h('a', { href: `#${section.id}` }, section.title)))),
  );
  renderedSections.clear();
  accountSections.forEach((section, index) => renderedSections.set(section.id, elements[index]));
  replaceChildren(main, h('h1', {}, 'Your account'), nav, ...elements);
  focusHeading();
}

/** @type {import('./account-modules.js').SectionContext} */
const sectionContext = {
  get user() {
    return /** @type {PageUser} */ (currentUser);
  },
  reloadUser: async () => {
    const me = await get('/me');
    await showAccount(me.user);
  },
  refresh: async (id) => {
    const section = accountSections.find((candidate) => candidate.id === id);
    const old = renderedSections.get(id);
    if (!section || !old) return;
    const element = await renderSection(section);
    old.replaceWith(element);
    renderedSections.set(id, element);
  },
  signedOut: (reason) => void showSignIn(reason ?? 'You are signed out everywhere.'),
};

/** @param {import('./account-modules.js').AccountSection} section */
const renderSection = (section) => sectionCard(section, sectionContext);

function focusHeading() {
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

/** While signed in: a 401 from `GET /auth/me` sends the page back to sign-in (see onSignedOut). */
async function checkStillSignedIn() {
  if (!currentUser) return;
  try {
    await get('/me');
  } catch {
    // A 401 has switched the page to sign-in already; anything else (offline) is retried on the next check.
  }
}

async function start() {
  const secondStepWaits = takeNoticeFromUrl();
  try {
    const me = await call('GET', '/me', undefined, { expectSignedIn: false });
    setCsrfToken((await get('/csrf')).csrfToken);
    showImpersonationBanner(me.body);
    await showAccount(me.body.user);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      if (secondStepWaits && (await showOidcSecondStep().catch(() => false))) return;
      return showSignIn();
    }
    const area = messageArea();
    say(area, describeError(error), 'error');
    replaceChildren(
      main,
      h('h1', {}, 'Your account'),
      area,
      h('p', {}, h('a', { href: location.pathname }, 'Try again')),
    );
  }
}

setInterval(() => void checkStillSignedIn(), SESSION_CHECK_MS);
window.addEventListener('focus', () => void checkStillSignedIn());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void checkStillSignedIn();
});
void start();
