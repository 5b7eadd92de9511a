/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { simpleParser } from 'mailparser';
import { apiKeys, email, pages, password, sessions } from '@nest-auth/core';
import { PASSWORD, storageMode, uniqueEmail } from './support/app';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from './support/chromium';
import { HostApp, startHostApp } from './support/host';
import { linkPath } from './support/smtp';

const skip = chromiumMissing('the browser tests of the pages under a global prefix');

/**
 * A host that mounts everything under `app.setGlobalPrefix('api')`: the pages are at `/api/account`, the
 * module's routes at `/api/auth/...`, and every link, asset, call and redirect of the pages follows.
 */
describe(`account page under the host's global prefix in Chromium (${storageMode})`, { skip }, () => {
  let host: HostApp;
  let browser: Browser;
  const outboxDir = join(tmpdir(), `nest-auth-prefix-outbox-${randomUUID()}`);
  /** Every request the browser made to the app, and every console error or uncaught exception. */
  const requested: string[] = [];
  const problems: string[] = [];

  before(async () => {
    host = await startHostApp({
      features: [sessions, password, apiKeys, email, pages],
      options: {
        email: { outboxDir, publicUrl: 'http://127.0.0.1', encryptionKeys: [randomBytes(32).toString('hex')] },
      },
      configure: (app) => app.setGlobalPrefix('api'),
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await host?.close();
    rmSync(outboxDir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === new URL(host.url).origin) requested.push(url.pathname);
    });
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // Chromium logs every 4xx answer to fetch as an error: the routes of features this host does not list
      // (MFA, passkeys) answer 404, which the page expects. A page's own file that fails to load is not.
      const refusal = /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text());
      if (refusal && new URL(message.location().url).pathname.startsWith('/api/auth/')) return;
      problems.push(`console error: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught ${error.message}`));
    await page.goto(`${host.url}${path}`);
    return page;
  }

  it('fills the pages with the paths the app answers at, and serves nothing at the unprefixed ones', async () => {
    const html = await (await fetch(`${host.url}/api/account`)).text();
    assert.match(html, /<meta name="nest-auth-api" content="\/api\/auth"/);
    assert.match(html, /<meta name="nest-auth-account" content="\/api\/account"/);
    assert.match(html, /<script type="module" src="\/api\/account\/assets\/account.js">/);
    assert.match(html, /<link rel="stylesheet" href="\/api\/account\/assets\/pages.css"/);
    assert.doesNotMatch(html, /"\/(account|auth|admin)\b/, 'an unprefixed path in the page');
    assert.equal((await fetch(`${host.url}/api/account/assets/paths.js`)).status, 200);
    assert.equal((await fetch(`${host.url}/account`)).status, 404);
    assert.equal((await fetch(`${host.url}/account/assets/account.js`)).status, 404);
  });

  it('signs up on the page, loads every section and calls the API under the prefix', async () => {
    const address = uniqueEmail('prefixed');
    const page = await open('/api/account');
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Email', { exact: true }).fill(address);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    // The sections' modules loaded and each asked its route: the session list and the (empty) key list.
    await page.locator('#sessions tbody tr').first().waitFor();
    assert.match((await page.locator('#sessions tbody tr').first().textContent()) ?? '', /this browser/);
    await page.locator('#api-keys').waitFor();
    for (const path of ['/api/auth/register', '/api/auth/me', '/api/auth/sessions', '/api/auth/api-keys'])
      assert.ok(requested.includes(path), `the page did not call ${path}`);
    // This host does not list orgs: the Organizations section asked (404) and shows nothing.
    assert.ok(requested.includes('/api/auth/orgs'), 'the page did not call /api/auth/orgs');
    assert.equal(await page.locator('#organizations').isVisible(), false);
    assert.equal(await page.locator('nav a[href="#organizations"]').count(), 0);
    const stray = requested.filter((path) => !path.startsWith('/api/'));
    assert.deepEqual(stray, [], 'requests outside the global prefix');

    // Signing out and in again goes through the prefixed routes too.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(address);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('#sessions tbody tr').first().waitFor();
    assert.equal(await page.locator('a.brand').getAttribute('href'), '/api/account');
    await page.context().close();

    // The verification mail links to the prefixed route, which sends the browser back to the prefixed page.
    const link = await mailedLink(address);
    assert.match(link, /^\/api\/auth\/email\/verify\?token=/);
    const landed = await fetch(`${host.url}${link}`, { redirect: 'manual' });
    assert.equal(landed.status, 302);
    assert.equal(landed.headers.get('location'), '/api/account?emailVerified=1');
  });

  it('had no console error or uncaught exception', () => {
    assert.deepEqual(problems, []);
  });

  async function mailedLink(to: string): Promise<string> {
    for (let i = 0; i < 200; i++) {
      for (const file of existsSync(outboxDir) ? readdirSync(outboxDir) : []) {
        const mail = await simpleParser(readFileSync(join(outboxDir, file)));
        const recipient = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
        if (recipient === to) return linkPath({ text: mail.text ?? '' });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no mail to ${to}`);
  }
});
