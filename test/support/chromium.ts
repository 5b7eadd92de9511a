import { existsSync } from 'node:fs';

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
