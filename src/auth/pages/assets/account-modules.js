// @ts-check
/**
 * The parts of the account page, in the order they appear. Each way to sign in, each second factor and
 * each section is a module of its own; a feature adds itself by being listed here.
 *
 * @typedef {{ id: string, name: string, email: string, roles: string[], emailVerified: boolean }} PageUser
 *
 * @typedef {object} SignInContext
 * @property {(loginBody: { user: PageUser, csrfToken: string }) => void} signedIn
 *   call with the body of a successful `POST /auth/login` (or `/auth/login/mfa`, `/auth/passkeys/login`)
 * @property {(challenge: { mfaRequired: true, mfaToken: string, methods: string[] }) => void} secondStepRequired
 *   call when a first factor answered `{mfaRequired, mfaToken, methods}`
 *
 * @typedef {object} SignInMethod
 * @property {string} id
 * @property {(context: SignInContext) => Promise<HTMLElement | null>} render
 *   the method's part of the sign-in screen (a form, a button per provider), or null when it has nothing to offer
 *
 * @typedef {object} SecondStep
 * @property {string} method one of the `methods` of an MFA challenge: `totp`, `recovery`, `passkey`
 * @property {string} label what the choice is called on the screen
 * @property {(challenge: { mfaToken: string, methods: string[] }, context: SignInContext) => HTMLElement} render
 *
 * @typedef {object} SectionContext
 * @property {PageUser} user
 * @property {() => Promise<void>} reloadUser re-reads `GET /auth/me` and re-renders every section
 * @property {(id: string) => Promise<void>} refresh re-renders one section (e.g. `sessions` after a password change)
 * @property {(reason?: string) => void} signedOut back to the sign-in screen (after signing out everywhere, or with `reason`)
 *
 * @typedef {object} AccountSection
 * @property {string} id also the section's element id, for links to it (`/account#sessions`)
 * @property {string} title
 * @property {(context: SectionContext) => Promise<HTMLElement | null>} render null: the section has nothing to show
 */

import { passwordSignIn } from './sign-in-password.js';
import { profileSection } from './section-profile.js';
import { passwordSection } from './section-password.js';
import { sessionsSection } from './section-sessions.js';
import { apiKeysSection } from './section-api-keys.js';
import { passkeySignInMethod } from './sign-in-passkey.js';
import { oidcSignIn } from './sign-in-oidc.js';
import { recoverySecondStep, totpSecondStep } from './second-step-codes.js';
import { passkeySecondStep } from './second-step-passkey.js';
import { mfaSection } from './section-mfa.js';
import { passkeysSection } from './section-passkeys.js';
import { identitiesSection } from './section-identities.js';
import { invitationSignInNotice, orgsSection } from './section-orgs.js';
import { appsSection } from './section-apps.js';
import { dataSection } from './section-data.js';

/**
 * Ways to sign in, shown one above the other: email and password, a passkey (where passkeys are on),
 * and a link per provider of `GET /auth/oidc/providers`; above them, why the page asks to sign in when
 * it was opened by an invitation link.
 * @type {SignInMethod[]}
 */
export const signInMethods = [invitationSignInNotice, passwordSignIn, passkeySignInMethod, oidcSignIn];

/**
 * Second factors the page can ask for after `{mfaRequired, mfaToken, methods}`; the page offers those
 * in both `methods` and this list.
 * @type {SecondStep[]}
 */
export const secondSteps = [totpSecondStep, passkeySecondStep, recoverySecondStep];

/** Sections of a signed-in account. @type {AccountSection[]} */
export const accountSections = [
  profileSection,
  passwordSection,
  mfaSection,
  passkeysSection,
  identitiesSection,
  sessionsSection,
  appsSection,
  apiKeysSection,
  orgsSection,
  dataSection,
];
