/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { randomBytes, randomUUID } from 'node:crypto';
import { PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, virtualAuthenticator, watchedContext } from './support/chromium';
import { freePort, TestOidcProvider } from './support/oidc-provider';
import { outboxToken } from './support/smtp';
import { totp } from './support/totp';

/** Screenshots of every page, per storage mode (gitignored; docs/screenshots/ holds the README's copies). */
const ARTIFACTS = resolve(__dirname, '../../test-artifacts/pages', storageMode);
/** A name that would run script, or at least show bold text, if any page parsed it as HTML. */
const MARKUP_NAME = '<img src=x onerror="window.__pwned=1"><b>Ada</b>';
const MARKUP_AGENT = '<script>window.__pwned=1</script> Mozilla/5.0';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const skip = chromiumMissing('the browser tests of the pages');

describe(`account and admin pages in Chromium (${storageMode})`, { skip }, () => {
  let t: TestApp;
  let browser: Browser;
  let idp: TestOidcProvider;
  /**
   * Where the browser opens the app: PUBLIC_URL, on `localhost` so that passkeys are on (a relying party
   * is a domain, never an IP address); the OpenID provider is on 127.0.0.1, another origin.
   */
  let origin: string;
  const adminEmail = uniqueEmail('admin');
  /** Every console error, uncaught exception and CSP violation of every page; the last test fails on any. */
  const problems: string[] = [];

  before(async () => {
    const { chromium } = await import('playwright-core');
    const port = await freePort();
    origin = `http://localhost:${port}`;
    const client = {
      client_id: 'nest-auth-pages',
      client_secret: randomBytes(24).toString('hex'),
      redirect_uris: [`${origin}/auth/oidc/test/callback`],
    };
    idp = await TestOidcProvider.start({ clients: [client], conformIdTokenClaims: false });
    t = await startApp({
      PORT: String(port),
      PUBLIC_URL: origin,
      OIDC_PROVIDERS: 'test',
      OIDC_TEST_ISSUER: idp.issuer,
      OIDC_TEST_CLIENT_ID: client.client_id,
      OIDC_TEST_CLIENT_SECRET: client.client_secret,
      AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
    // The provider's discovery runs in the background after start.
    for (
      let i = 0;
      i < 100 && (await fetch(`${t.url}/auth/oidc/test/login`, { redirect: 'manual' })).status !== 302;
      i++
    )
      await sleep(100);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await idp?.close();
  });

  /** A fresh browser profile (its own cookies) whose pages report their problems. */
  const newContext = (options: Parameters<Browser['newContext']>[0] = {}) => watchedContext(browser, problems, options);

  async function open(context: BrowserContext, path: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${origin}${path}`);
    return page;
  }

  async function signUp(page: Page, email: string, name = ''): Promise<void> {
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create an account' }).click();
    if (name) await page.getByLabel('Name (optional)').fill(name);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#sessions tbody tr').first().waitFor();
  }

  /** Signs in with the keyboard only: the email field has focus, Tab to the password, Enter to submit. */
  async function signInByKeyboard(page: Page, email: string, password = PASSWORD): Promise<void> {
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByLabel('Email', { exact: true }).focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
  }

  const apiStatus = (page: Page, path: string) => page.evaluate(async (url) => (await fetch(url)).status, path);
  const screenshot = (page: Page, name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  /** A viewport-sized screenshot with `selector` scrolled into view (the README's pictures stay small). */
  async function viewShot(page: Page, selector: string, name: string): Promise<void> {
    await page
      .locator(selector)
      .first()
      .evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  }

  /**
   * The TOTP code `offset` steps from now (the server accepts one step of drift either way), never in a
   * step's last second and a half, so that the step the server sees is the one the code was made for.
   */
  async function codeFor(secret: string, offset: -1 | 0 | 1): Promise<string> {
    const intoStep = (Date.now() / 1000) % 30;
    if (intoStep > 28.5) await sleep((30 - intoStep + 0.2) * 1000);
    return totp(secret, Date.now() / 1000 + offset * 30);
  }

  async function signOut(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  }

  /** Turns TOTP on from the two-factor section, reading the key the page shows; answers it and the recovery codes. */
  async function enrolTotp(page: Page, shot?: string): Promise<{ secret: string; recoveryCodes: string[] }> {
    const section = page.locator('#two-factor');
    await section.getByLabel('Current password').fill(PASSWORD);
    await section.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.locator('#totp-secret').waitFor();
    const secret = (await page.locator('#totp-secret').textContent()) ?? '';
    assert.match(secret, /^[A-Z2-7]{16,}=*$/);
    assert.equal(await section.locator('svg.qr-code[role="img"] path').count(), 1);
    assert.equal(await section.getByRole('button', { name: 'Set up an authenticator app' }).isVisible(), false);
    if (shot) await viewShot(page, '#two-factor', shot);
    // One step back: the next sign-in may then use the code of this very step.
    await section.getByLabel('Code from the app').fill(await codeFor(secret, -1));
    await section.getByRole('button', { name: 'Turn on' }).click();
    await page.locator('#recovery-codes li').nth(9).waitFor();
    const recoveryCodes = await page.locator('#recovery-codes li').allTextContents();
    return { secret, recoveryCodes };
  }

  /** Nothing secret in the address bar, the history's URL or web storage. */
  async function assertNotStored(page: Page, secrets: string[]): Promise<void> {
    for (const secret of secrets) {
      assert.ok(!page.url().includes(secret), 'a secret in the URL');
      const stored = await page.evaluate(
        (value) => JSON.stringify({ ...localStorage, ...sessionStorage }).includes(value),
        secret,
      );
      assert.equal(stored, false, 'a secret in web storage');
    }
  }

  it('serves the pages under the app’s CSP, with no inline script, and the problem collector catches a violation', async () => {
    const response = await fetch(`${t.url}/account`);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.match(csp, /script-src-attr 'none'/);
    for (const path of ['/account', '/account/reset-password', '/admin']) {
      const html = await (await fetch(`${t.url}${path}`)).text();
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${path}: an inline script`);
      assert.doesNotMatch(html, /\sstyle=|<style/, `${path}: inline style`);
      assert.doesNotMatch(html, /\son[a-z]+=/, `${path}: an inline handler`);
    }
    // The collector works: an inline script the page did not ship is refused, and reported.
    const context = await newContext();
    const page = await open(context, '/account');
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inline = 1';
      document.head.append(script);
    });
    await sleep(100);
    assert.equal(await page.evaluate(() => (window as unknown as { __inline?: number }).__inline), undefined);
    const caught = problems.splice(0).filter((problem) => /CSP violation: script-src/.test(problem));
    assert.ok(caught.length >= 1, 'the inline script was reported');
    await context.close();
  });

  it('signs up and in, shows markup in a name and a user agent as text, and lists the current session', async () => {
    const email = uniqueEmail('ada');
    const first = await newContext();
    const page = await open(first, '/account');
    await screenshot(page, 'account-sign-in');
    await signUp(page, email, MARKUP_NAME);

    assert.equal(await page.locator('[data-field="name"]').textContent(), MARKUP_NAME);
    assert.equal(await page.locator('#profile b, #profile img, #sessions script').count(), 0);
    const sessions = page.locator('#sessions tbody tr');
    assert.equal(await sessions.count(), 1);
    assert.match((await sessions.first().textContent()) ?? '', /this browser/);

    // A second browser with a user agent full of markup signs in with the keyboard.
    const second = await newContext({ userAgent: MARKUP_AGENT });
    const other = await open(second, '/account');
    await signInByKeyboard(other, email);
    await other.locator('#sessions tbody tr').first().waitFor();

    await page.reload();
    await page.locator('#sessions tbody tr').first().waitFor();
    assert.equal(await sessions.count(), 2);
    const foreign = sessions.filter({ hasNotText: 'this browser' });
    assert.match((await foreign.textContent()) ?? '', /<script>window.__pwned=1<\/script>/);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await screenshot(page, 'account');

    // End the other session here; the other browser goes back to sign-in the next time it checks.
    await foreign.getByRole('button', { name: /Sign out/ }).click();
    await page.waitForFunction(() => document.querySelectorAll('#sessions tbody tr').length === 1);
    assert.equal(await apiStatus(other, '/auth/me'), 401);
    await other.evaluate(() => window.dispatchEvent(new Event('focus')));
    await other.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor({ timeout: 2000 });
    assert.match((await other.locator('main').textContent()) ?? '', /Your session has ended/);

    // Visible focus: the focused control has an outline.
    await page.getByRole('button', { name: 'Sign out', exact: true }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    assert.notEqual(outline, 'none');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    assert.equal(await apiStatus(page, '/auth/me'), 401);
    await first.close();
    await second.close();
  });

  it('creates an API key shown once, which works from fetch, rotates and revokes it', async () => {
    const context = await newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const page = await open(context, '/account');
    await signUp(page, uniqueEmail('keys'));

    const keys = page.locator('#api-keys');
    await keys.getByLabel('Name').fill('reports <b>bot</b>');
    await keys.getByLabel('Scopes').fill('reports:read');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const shown = page.locator('#new-api-key');
    await shown.waitFor();
    const key = await shown.inputValue();
    assert.match(key, /^sk_[0-9A-Za-z]{38}$/);
    assert.match((await keys.locator('.secret').textContent()) ?? '', /will not be shown again/);
    await page.getByRole('button', { name: 'Copy' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
    await screenshot(page, 'account-api-key-created');
    assert.ok(!page.url().includes(key));
    assert.equal(
      await page.evaluate((secret) => JSON.stringify({ ...localStorage, ...sessionStorage }).includes(secret), key),
      false,
    );

    const reports = (apiKey: string) =>
      fetch(`${t.url}/examples/reports`, { headers: { 'X-API-Key': apiKey } }).then((r) => r.status);
    assert.equal(await reports(key), 200);
    await page.getByRole('button', { name: 'I have stored it safely' }).click();
    assert.equal(await page.locator('#new-api-key').count(), 0);
    assert.match((await keys.locator('tbody').textContent()) ?? '', /reports <b>bot<\/b>/);

    await keys.getByRole('button', { name: /^Rotate/ }).click();
    await keys.getByRole('button', { name: 'Rotate now' }).click();
    await page.locator('#new-api-key').waitFor();
    const rotated = await page.locator('#new-api-key').inputValue();
    assert.notEqual(rotated, key);
    assert.equal(await reports(rotated), 200);
    await sleep(1000);
    assert.equal(await reports(key), 401);

    const active = keys.locator('tbody tr').filter({ hasText: 'active' });
    await active.getByRole('button', { name: /^Revoke/ }).click();
    await active.getByRole('button', { name: 'Revoke now' }).click();
    await page.waitForFunction(() => !document.querySelector('#api-keys tbody')?.textContent?.includes('active'));
    await sleep(1000);
    assert.equal(await reports(rotated), 401);
    await context.close();
  });

  it('shows 429 with its wait, 400 messages and network errors in words', async () => {
    const email = uniqueEmail('locked');
    const context = await newContext();
    const page = await open(context, '/account');
    await signUp(page, email);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    let status = 0;
    for (let attempt = 0; attempt < 8 && status !== 429; attempt++) {
      const answered = page.waitForResponse((response) => response.url().endsWith('/auth/login'));
      await signInByKeyboard(page, email, 'not the right password');
      status = (await answered).status();
      await page.locator('main .message-error').waitFor();
    }
    assert.equal(status, 429);
    assert.match(
      (await page.locator('main .message-error').textContent()) ?? '',
      /Too many attempts\. Try again in \d+ (seconds?|minutes)\./,
    );

    const fresh = await newContext();
    const mine = await open(fresh, '/account');
    await signUp(mine, uniqueEmail('other'));
    const password = mine.locator('#password');
    await password.getByLabel('Current password').fill('wrong current password');
    await password.getByLabel('New password', { exact: true }).fill('another long password');
    await password.getByLabel('New password again').fill('another long password');
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.locator('.message-error').waitFor();
    assert.equal(await password.locator('.message-error').textContent(), 'Current password is incorrect');

    await fresh.setOffline(true);
    await mine.locator('#sessions').getByRole('button', { name: 'Sign out everywhere' }).click();
    await mine.locator('#sessions .message-error').waitFor();
    assert.match((await mine.locator('#sessions .message-error').textContent()) ?? '', /Could not reach the server/);
    await fresh.setOffline(false);
    // The one console error this test caused on purpose: Chromium reports the request that could not go out.
    const offline = problems.filter((problem) => problem.includes('net::ERR_INTERNET_DISCONNECTED'));
    assert.equal(offline.length, 1);
    problems.splice(problems.indexOf(offline[0]), 1);
    await context.close();
    await fresh.close();
  });

  it('resets a forgotten password from the mailed link, which leaves the address bar at once', async () => {
    const email = uniqueEmail('forgot');
    const context = await newContext();
    const page = await open(context, '/account');
    await signUp(page, email);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.locator('.message-success').waitFor();

    const token = await outboxToken(t, email, 'password_reset');
    const reset = await open(context, `/account/reset-password?token=${encodeURIComponent(token)}`);
    await reset.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    assert.equal(new URL(reset.url()).search, '');
    await screenshot(reset, 'reset-password');
    await reset.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
    await reset.getByLabel('New password again').fill('a brand new passphrase');
    await reset.getByRole('button', { name: 'Set the new password' }).click();
    await reset.getByRole('heading', { name: 'Password changed' }).waitFor();

    const again = await open(context, '/account/reset-password');
    await again.locator('.message-error').waitFor();
    await reset.getByRole('link', { name: 'Sign in' }).click();
    await signInByKeyboard(reset, email, 'a brand new passphrase');
    await reset.locator('#sessions tbody tr').first().waitFor();
    await context.close();
  });

  it('lets an admin find a user, disable them (their browser loses access within a second), enable them and read the audit log', async () => {
    const victimEmail = uniqueEmail('victim');
    const victimContext = await newContext();
    const victim = await open(victimContext, '/account');
    await signUp(victim, victimEmail, MARKUP_NAME);

    const adminContext = await newContext();
    const signIn = await open(adminContext, '/account');
    await signInByKeyboard(signIn, adminEmail);
    await signIn.getByRole('link', { name: 'Administration' }).click();
    const admin = signIn;
    await admin.getByRole('heading', { name: 'Users' }).waitFor();
    await admin.getByLabel('Email contains').fill(victimEmail.slice(0, 20).toUpperCase());
    await admin.getByRole('button', { name: 'Search' }).click();
    const row = admin.locator('#users tbody tr').filter({ hasText: victimEmail });
    await row.waitFor();
    assert.equal(await admin.locator('#users tbody tr').count(), 1);
    assert.match((await row.textContent()) ?? '', /<img src=x onerror="window.__pwned=1"><b>Ada<\/b>/);
    assert.equal(await admin.locator('#users tbody b, #users tbody img').count(), 0);
    await screenshot(admin, 'admin');

    await row.getByRole('button', { name: /^Disable/ }).click();
    const disabledAt = Date.now();
    await admin.locator('#users tbody tr').filter({ hasText: victimEmail }).filter({ hasText: 'disabled' }).waitFor();
    while ((await apiStatus(victim, '/auth/me')) !== 401) {
      assert.ok(Date.now() - disabledAt < 1000, 'the disabled user’s browser still had access after a second');
      await sleep(50);
    }
    await victim.evaluate(() => window.dispatchEvent(new Event('focus')));
    await victim.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor({ timeout: 2000 });

    await admin
      .locator('#users tbody tr')
      .filter({ hasText: victimEmail })
      .getByRole('button', { name: /^Enable/ })
      .click();
    await admin.locator('#users tbody tr').filter({ hasText: victimEmail }).filter({ hasText: 'active' }).waitFor();
    await signInByKeyboard(victim, victimEmail);
    await victim.locator('#sessions tbody tr').first().waitFor();

    await admin
      .locator('#users tbody tr')
      .filter({ hasText: victimEmail })
      .getByRole('button', { name: /^Sign out everywhere/ })
      .click();
    // This action's own message: the one of "Enable" may still be on the page.
    await admin.locator('#users .message-success').filter({ hasText: 'every session and token ended' }).waitFor();
    assert.equal(await apiStatus(victim, '/auth/me'), 401);

    await admin
      .locator('#users tbody tr')
      .filter({ hasText: victimEmail })
      .getByRole('button', { name: 'Audit log' })
      .click();
    await admin.waitForFunction(() => document.querySelector('#audit tbody')?.textContent?.includes('user.disabled'));
    const types = await admin.locator('#audit tbody tr td:nth-child(2)').allTextContents();
    for (const type of ['user.registered', 'user.disabled', 'user.enabled', 'logout_all'])
      assert.ok(types.includes(type), type);
    await admin.getByLabel('Event').selectOption('user.enabled');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForFunction(() =>
      [...document.querySelectorAll('#audit tbody tr td:nth-child(2)')].every(
        (cell) => cell.textContent === 'user.enabled',
      ),
    );
    await screenshot(admin, 'admin-audit');

    // Not an admin: the page says so, and the routes refuse.
    const plain = await newContext();
    const user = await open(plain, '/account');
    await signUp(user, uniqueEmail('plain'));
    await user.goto(`${origin}/admin`);
    await user.getByText('Your account does not have the admin role').waitFor();
    await victimContext.close();
    await adminContext.close();
    await plain.close();
  });

  it('works at 360 px wide without sideways scrolling', async () => {
    const context = await newContext({ viewport: { width: 360, height: 800 } });
    const page = await open(context, '/account');
    await signUp(page, uniqueEmail('narrow'), 'Narrow Screen');
    await page.locator('#api-keys').getByLabel('Name').fill('phone');
    await page.locator('#api-keys').getByRole('button', { name: 'Create key' }).click();
    await page.locator('#new-api-key').waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll');
    await screenshot(page, 'account-360px');
    await context.close();
  });

  it('draws the TOTP QR code of an otpauth URL exactly as qrcode-generator computes it', async () => {
    const otpauthUrl =
      'otpauth://totp/nest-auth:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=nest-auth&algorithm=SHA1&digits=6&period=30';
    const context = await newContext();
    const page = await open(context, '/account');
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    // A string, so that tsc does not turn the browser's import() into require().
    const drawn = (await page.evaluate(`(async () => {
      const { renderQrCode } = await import('/account/assets/totp-qr.js');
      const svg = renderQrCode(${JSON.stringify(otpauthUrl)});
      document.querySelector('main').append(svg);
      return { viewBox: svg.getAttribute('viewBox'), d: svg.querySelector('path').getAttribute('d'), label: svg.getAttribute('aria-label') };
    })()`)) as { viewBox: string; d: string; label: string };
    await screenshot(page, 'totp-qr');

    // The same text through the library's CommonJS build, here in Node.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const qrcode = require('qrcode-generator') as (type: number, level: string) => QrCode;
    const code = qrcode(0, 'M');
    code.addData(otpauthUrl, 'Byte');
    code.make();
    const size = code.getModuleCount();
    let expected = '';
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) if (code.isDark(y, x)) expected += `M${x + 4} ${y + 4}h1v1h-1z`;
    assert.equal(drawn.viewBox, `0 0 ${size + 8} ${size + 8}`);
    assert.equal(drawn.d, expected);
    assert.ok(drawn.label);
    await context.close();
  });

  it('enrols TOTP from the page (QR code, key, recovery codes once), then signs in with the password and a code, or a recovery code', async () => {
    const email = uniqueEmail('totp');
    const context = await newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const page = await open(context, '/account');
    await signUp(page, email);
    const section = page.locator('#two-factor');
    assert.match((await section.textContent()) ?? '', /Authenticator app: off/);

    const { secret, recoveryCodes } = await enrolTotp(page, 'account-two-factor-enrol');
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10);
    assert.match((await section.locator('.secret').textContent()) ?? '', /will not be shown again/);
    await page.getByRole('button', { name: 'Copy codes' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), recoveryCodes.join('\n'));
    await viewShot(page, '#two-factor', 'account-two-factor-recovery-codes');
    await assertNotStored(page, [secret, ...recoveryCodes]);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    assert.equal(await page.locator('#recovery-codes, #totp-secret').count(), 0);
    assert.match((await section.textContent()) ?? '', /Authenticator app: on · 10 recovery codes left/);

    // Password, then the code: the second step is a page of its own.
    await signOut(page);
    await signInByKeyboard(page, email);
    await page.getByRole('heading', { name: 'Second step', level: 1 }).waitFor();
    assert.equal(await page.locator('#passkey-step').count(), 0, 'no passkey offered to a user without one');
    await page.locator('#totp-step input[name="code"]').fill(totp(secret, Date.now() / 1000 + 3600));
    await page.locator('#totp-step').getByRole('button', { name: 'Verify' }).click();
    await page.locator('#totp-step .message-error').waitFor();
    assert.equal(await page.locator('#totp-step .message-error').textContent(), 'Invalid code');
    await viewShot(page, 'main', 'account-second-step');
    await page.locator('#totp-step input[name="code"]').fill(await codeFor(secret, 0));
    await page.locator('#totp-step').getByRole('button', { name: 'Verify' }).click();
    await page.locator('#sessions tbody tr').first().waitFor();
    assert.equal(await page.locator('.user-bar .who').textContent(), email);

    // A recovery code, once.
    await signOut(page);
    await signInByKeyboard(page, email);
    await page.locator('#recovery-step input[name="recoveryCode"]').fill(recoveryCodes[0]);
    await page.locator('#recovery-step').getByRole('button', { name: 'Use recovery code' }).click();
    await page.locator('#sessions tbody tr').first().waitFor();
    assert.match((await section.textContent()) ?? '', /9 recovery codes left/);

    // New recovery codes, then off with the password and a code; the next sign-in asks for the password only.
    const regenerate = section.getByRole('form', { name: 'New recovery codes' });
    await regenerate.getByLabel('Current password').fill(PASSWORD);
    await regenerate.getByRole('button', { name: 'Make new recovery codes' }).click();
    await page.locator('#recovery-codes li').nth(9).waitFor();
    const renewed = await page.locator('#recovery-codes li').allTextContents();
    assert.equal(renewed.filter((code) => recoveryCodes.includes(code)).length, 0);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    const turnOff = section.getByRole('form', { name: 'Turn off two-factor authentication' });
    await turnOff.getByLabel('Current password').fill(PASSWORD);
    await turnOff.getByLabel('Code from your app').fill(await codeFor(secret, 1));
    await turnOff.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    await section.locator('.message-success').waitFor();
    assert.match((await section.textContent()) ?? '', /Authenticator app: off/);
    await signOut(page);
    await signInByKeyboard(page, email);
    await page.locator('#sessions tbody tr').first().waitFor();
    await context.close();
  });

  it('adds a passkey from the page, signs in with it alone, offers it as the second step, and removes the last one with the password', async () => {
    const email = uniqueEmail('passkey');
    const context = await newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', virtualAuthenticator());
    await page.goto(`${origin}/account`);
    await signUp(page, email);
    const section = page.locator('#passkeys');
    assert.match((await section.textContent()) ?? '', /No passkeys yet/);
    await section.getByLabel('Name').fill('laptop <b>key</b>');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await section.locator('.message-success').waitFor();
    assert.equal(await section.locator('tbody tr').count(), 1);
    assert.match((await section.locator('tbody').textContent()) ?? '', /laptop <b>key<\/b>/);
    assert.equal(await section.locator('tbody b').count(), 0);
    assert.match((await page.locator('#two-factor').textContent()) ?? '', /1 passkey can also confirm a sign-in/);
    await viewShot(page, '#passkeys', 'account-passkeys');

    // Passwordless, from the sign-in screen.
    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.locator('#sessions tbody tr').first().waitFor();
    assert.equal(await page.locator('.user-bar .who').textContent(), email);

    // With TOTP on, the passkey is offered as the second step of a password sign-in.
    await enrolTotp(page);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await signOut(page);
    await signInByKeyboard(page, email);
    await page.getByRole('heading', { name: 'Second step', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.locator('#sessions tbody tr').first().waitFor();

    // The last passkey of a user with a password: the API asks for the password, and the page does.
    await section.getByRole('button', { name: /^Remove/ }).click();
    await section.getByRole('button', { name: 'Remove now' }).click();
    const confirm = section.getByRole('form', { name: /^Confirm removing/ });
    await confirm.getByLabel('Current password').fill('not the password');
    await confirm.getByRole('button', { name: 'Remove now' }).click();
    await section.locator('.message-error').waitFor();
    assert.equal(await section.locator('.message-error').textContent(), 'Current password is incorrect');
    await confirm.getByLabel('Current password').fill(PASSWORD);
    await confirm.getByRole('button', { name: 'Remove now' }).click();
    await section.locator('.message-success').waitFor();
    assert.equal(await section.locator('tbody tr').count(), 0);
    await context.close();
  });

  it('signs in through an OpenID provider from its button, lists the linked account, links one from the page and asks for the second step after the provider', async () => {
    const newcomer = {
      sub: randomUUID(),
      email: uniqueEmail('oidc'),
      email_verified: true,
      name: 'Grace <i>Hopper</i>',
    };
    idp.nextLogin = newcomer;
    const context = await newContext();
    const page = await open(context, '/account');
    const signInLink = page.getByRole('link', { name: 'Sign in with Test' });
    await signInLink.waitFor();
    assert.equal(await signInLink.getAttribute('href'), '/auth/oidc/test/login?returnTo=%2Faccount');
    assert.equal(await page.getByRole('button', { name: 'Sign in with a passkey' }).count(), 1);
    await viewShot(page, 'main', 'account-sign-in-methods');
    await signInLink.click();
    await page.locator('#sessions tbody tr').first().waitFor();
    assert.equal(new URL(page.url()).pathname, '/account');
    assert.equal(await page.locator('.user-bar .who').textContent(), newcomer.email);
    const linked = page.locator('#linked-accounts');
    assert.match(
      (await linked.locator('tbody').textContent()) ?? '',
      new RegExp(`Test${newcomer.email.replace(/[.+]/g, '\\$&')}`),
    );
    // Without a password, the provider is the last way to sign in: the API refuses, the page says so.
    await linked.getByRole('button', { name: 'Unlink Test' }).click();
    await linked.getByRole('button', { name: 'Unlink now' }).click();
    await linked.locator('.message-error').waitFor();
    assert.equal(await linked.locator('.message-error').textContent(), 'This is your last way to sign in');
    await viewShot(page, '#linked-accounts', 'account-linked-accounts');
    await context.close();

    // A password user links the provider from the page, turns MFA on, and signs in through the provider.
    const email = uniqueEmail('linker');
    idp.nextLogin = { sub: randomUUID(), email: uniqueEmail('linked-at-idp'), email_verified: true };
    const other = await newContext();
    const mine = await open(other, '/account');
    await signUp(mine, email);
    const section = mine.locator('#linked-accounts');
    assert.match((await section.textContent()) ?? '', /No linked accounts/);
    await section.getByRole('button', { name: 'Link Test' }).click();
    await mine.locator('#linked-accounts tbody tr').first().waitFor();
    assert.equal(new URL(mine.url()).search, '');
    const { secret } = await enrolTotp(mine);
    await mine.getByRole('button', { name: 'I have saved them' }).click();
    await signOut(mine);
    await mine.getByRole('link', { name: 'Sign in with Test' }).click();
    await mine.getByRole('heading', { name: 'Second step', level: 1 }).waitFor();
    assert.equal(new URL(mine.url()).search, '', 'mfa=required left the address bar');
    assert.match((await mine.locator('main').textContent()) ?? '', /You signed in with your provider/);
    assert.equal(await apiStatus(mine, '/auth/me'), 401, 'no session before the second step');
    await mine.locator('#totp-step input[name="code"]').fill(await codeFor(secret, 0));
    await mine.locator('#totp-step').getByRole('button', { name: 'Verify' }).click();
    await mine.locator('#sessions tbody tr').first().waitFor();
    assert.equal(await mine.locator('.user-bar .who').textContent(), email);

    // With a password left, unlinking works.
    await section.getByRole('button', { name: 'Unlink Test' }).click();
    await section.getByRole('button', { name: 'Unlink now' }).click();
    await section.locator('.message-success').waitFor();
    assert.equal(await section.locator('tbody tr').count(), 0);
    // The second step was taken once: a stale `?mfa=required` shows the sign-in screen, and no error.
    await signOut(mine);
    await mine.goto(`${origin}/account?mfa=required`);
    await mine.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    assert.equal(new URL(mine.url()).search, '');
    await other.close();
  });

  it('offers no passkey and no provider where they are off (an IP address as PUBLIC_URL, no OIDC_PROVIDERS), without a console error', async () => {
    const plain = await startApp({});
    try {
      const context = await newContext();
      const page = await context.newPage();
      await page.goto(`${plain.url}/account`);
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      await page.locator('#password-sign-in').waitFor();
      assert.equal(await page.locator('#passkey-sign-in, #oidc-sign-in').count(), 0);
      await signUp(page, uniqueEmail('plain'));
      assert.equal(await page.locator('#passkeys').isHidden(), true);
      assert.equal(await page.locator('#linked-accounts').isHidden(), true);
      assert.equal(await page.locator('#two-factor').isVisible(), true);
      assert.equal(await page.locator('nav a[href="#passkeys"], nav a[href="#linked-accounts"]').count(), 0);
      await context.close();
    } finally {
      await plain.close();
    }
  });

  it('asks for the password and a code in a dialog when an action needs a fresh sign-in, then does the action', async () => {
    // An app of its own, where a sign-in goes stale in seconds.
    const port = await freePort();
    const staleOrigin = `http://localhost:${port}`;
    const app = await startApp({ PORT: String(port), PUBLIC_URL: staleOrigin, REAUTH_MAX_AGE_SECONDS: '2' });
    try {
      const context = await newContext();
      const page = await context.newPage();
      await page.goto(`${staleOrigin}/account`);
      await signUp(page, uniqueEmail('reauth-page'));
      const { secret } = await enrolTotp(page);
      await sleep(4000);

      const keys = page.locator('#api-keys');
      const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
      // Given up: the action fails in words, and nothing is created.
      await keys.getByLabel('Name').fill('after cancel');
      await keys.getByRole('button', { name: 'Create key' }).click();
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      await keys.getByText('Confirm it is you to do this.').waitFor();
      assert.equal(await page.locator('#new-api-key').count(), 0);

      await keys.getByLabel('Name').fill('after reauthentication');
      await keys.getByRole('button', { name: 'Create key' }).click();
      await dialog.waitFor();
      await dialog.getByLabel('Password', { exact: true }).fill('not the password at all');
      await dialog.getByLabel('Authentication code').fill(await codeFor(secret, 0));
      await dialog.getByRole('button', { name: 'Confirm' }).click();
      await dialog.getByText('That did not match. Check it and try again.').waitFor();
      await screenshot(page, 'account-reauthenticate-dialog');
      await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await dialog.getByLabel('Authentication code').fill(await codeFor(secret, 1));
      await dialog.getByRole('button', { name: 'Confirm' }).click();
      await dialog.waitFor({ state: 'detached' });
      // The action went on by itself: the key is shown once.
      assert.match(await page.locator('#new-api-key').inputValue(), /^sk_[0-9A-Za-z]{38}$/);
      assert.equal(await page.getByRole('heading', { name: 'Sign in', level: 1 }).count(), 0, 'still signed in');
      await context.close();
    } finally {
      await app.close();
    }
  });

  it('had no console error, uncaught exception or CSP violation on any page', () => {
    assert.deepEqual(problems, []);
  });
});

interface QrCode {
  addData(text: string, mode: string): void;
  make(): void;
  getModuleCount(): number;
  isDark(row: number, column: number): boolean;
}
