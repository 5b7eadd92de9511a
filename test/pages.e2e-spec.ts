/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { tokenIn } from './support/smtp';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots of every page, per storage mode (gitignored; docs/screenshots/ holds the README's copies). */
const ARTIFACTS = resolve(__dirname, '../../test-artifacts/pages', storageMode);
/** A name that would run script, or at least show bold text, if any page parsed it as HTML. */
const MARKUP_NAME = '<img src=x onerror="window.__pwned=1"><b>Ada</b>';
const MARKUP_AGENT = '<script>window.__pwned=1</script> Mozilla/5.0';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium): the browser tests of the pages need it`;

describe(`account and admin pages in Chromium (${storageMode})`, { skip }, () => {
  let t: TestApp;
  let browser: Browser;
  const adminEmail = uniqueEmail('admin');
  /** Every console error, uncaught exception and CSP violation of every page; the last test fails on any. */
  const problems: string[] = [];

  before(async () => {
    const { chromium } = await import('playwright-core');
    t = await startApp({ AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail, AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A fresh browser profile (its own cookies) whose pages report their problems. */
  async function newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...options });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) =>
        console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`),
      );
    });
    context.on('page', (page) => watch(page));
    return context;
  }

  function watch(page: Page): void {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // Chromium logs every 4xx answer to fetch as an error; a refusal by an API route is an answer the
      // page expects and shows (401 signed out, 429, 400). A page's own file that fails to load is not.
      const refusal = /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text());
      if (refusal && new URL(message.location().url).pathname.startsWith('/auth/')) return;
      problems.push(`${page.url()}: console error: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`${page.url()}: uncaught ${error.message}`));
  }

  async function open(context: BrowserContext, path: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${t.url}${path}`);
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
  const screenshot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

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
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
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
    assert.equal(await page.evaluate((secret) => JSON.stringify({ ...localStorage, ...sessionStorage }).includes(secret), key), false);

    const reports = (apiKey: string) => fetch(`${t.url}/examples/reports`, { headers: { 'X-API-Key': apiKey } }).then((r) => r.status);
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

    await admin.locator('#users tbody tr').filter({ hasText: victimEmail }).getByRole('button', { name: 'Audit log' }).click();
    await admin.waitForFunction(() => document.querySelector('#audit tbody')?.textContent?.includes('user.disabled'));
    const types = await admin.locator('#audit tbody tr td:nth-child(2)').allTextContents();
    for (const type of ['user.registered', 'user.disabled', 'user.enabled', 'logout_all']) assert.ok(types.includes(type), type);
    await admin.getByLabel('Event').selectOption('user.enabled');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForFunction(() =>
      [...document.querySelectorAll('#audit tbody tr td:nth-child(2)')].every((cell) => cell.textContent === 'user.enabled'),
    );
    await screenshot(admin, 'admin-audit');

    // Not an admin: the page says so, and the routes refuse.
    const plain = await newContext();
    const user = await open(plain, '/account');
    await signUp(user, uniqueEmail('plain'));
    await user.goto(`${t.url}/admin`);
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
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (code.isDark(y, x)) expected += `M${x + 4} ${y + 4}h1v1h-1z`;
    assert.equal(drawn.viewBox, `0 0 ${size + 8} ${size + 8}`);
    assert.equal(drawn.d, expected);
    assert.ok(drawn.label);
    await context.close();
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

/** The token of the newest mail of `kind` to `to` in the app's outbox, waiting for it. */
async function outboxToken(t: TestApp, to: string, kind: string): Promise<string> {
  const outbox = join(t.env.DATA_DIR as string, 'outbox');
  for (let i = 0; i < 200; i++) {
    const files = existsSync(outbox)
      ? readdirSync(outbox)
          .filter((name) => name.includes(`-${kind}-`))
          .sort()
          .reverse()
      : [];
    for (const file of files) {
      const mail = await simpleParser(readFileSync(join(outbox, file)));
      const recipient = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
      if (recipient === to) return tokenIn({ text: mail.text ?? '' });
    }
    await sleep(50);
  }
  throw new Error(`no ${kind} mail to ${to} in the outbox`);
}
