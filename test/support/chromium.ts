import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Debian's Chromium: `.ci/run` installs it (`apt-get install chromium`); Playwright's own browsers cannot be downloaded here. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless and quiet: no GPU, no QUIC, no calls home, no sandbox (the tests run as root). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why a browser suite skips: false when Chromium is installed. */
export function chromiumMissing(suite: string): string | false {
  return existsSync(CHROMIUM)
    ? false
    : `no Chromium at ${CHROMIUM} (Debian's chromium package; .ci/run installs it): ${suite} need it`;
}

/**
 * Options of a CDP virtual authenticator (`WebAuthn.addVirtualAuthenticator`) like a platform
 * passkey: discoverable credentials, user verification, presence given at once.
 */
export function virtualAuthenticator(overrides: { transport?: 'internal' | 'usb'; isUserVerified?: boolean } = {}) {
  return {
    options: {
      protocol: 'ctap2' as const,
      transport: overrides.transport ?? ('internal' as const),
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: overrides.isUserVerified ?? true,
      automaticPresenceSimulation: true,
    },
  };
}

/**
 * A fresh browser profile (its own cookies) whose pages report every console error, uncaught exception
 * and CSP violation into `problems`. Chromium logs every 4xx answer to fetch as an error; a refusal by an
 * API route (under `/auth/`) is an answer the page expects and shows (401 signed out, 429, 400). A page's
 * own file that fails to load is not.
 */
export async function watchedContext(
  browser: Browser,
  problems: string[],
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...options });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`),
    );
  });
  context.on('page', (page: Page) => {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const refusal = /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text());
      if (refusal && new URL(message.location().url).pathname.startsWith('/auth/')) return;
      problems.push(`${page.url()}: console error: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`${page.url()}: uncaught ${error.message}`));
  });
  return context;
}
