/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { login, LoggedIn, PASSWORD, register, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from './support/chromium';

/** Screenshots per storage mode (gitignored; docs/screenshots/ holds the README's copies). */
const ARTIFACTS = resolve(__dirname, '../../test-artifacts/admin-pages', storageMode);
const skip = chromiumMissing('the browser tests of the admin pages');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(
  `the admin's user view, impersonation and the account's apps and data in Chromium (${storageMode})`,
  { skip },
  () => {
    let t: TestApp;
    let browser: Browser;
    let admin: LoggedIn;
    const adminEmail = uniqueEmail('admin');
    /** Console errors, uncaught exceptions and CSP violations of every page; each test fails on any. */
    const problems: string[] = [];

    before(async () => {
      t = await startApp({ AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail, AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
      admin = await login(t.url, adminEmail, PASSWORD, false);
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      mkdirSync(ARTIFACTS, { recursive: true });
    });
    after(async () => {
      await browser?.close();
      await t?.close();
    });

    async function newContext(): Promise<BrowserContext> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) =>
          console.error(`CSP violation: ${event.violatedDirective}`),
        );
      });
      context.on('page', (page) => {
        page.on('console', (message) => {
          if (message.type() !== 'error') return;
          // Chromium logs every 4xx answer to fetch; a refusal of an API route is an answer the page shows.
          if (/status of 4\d\d/.test(message.text()) && new URL(message.location().url).pathname.startsWith('/auth/'))
            return;
          problems.push(`${page.url()}: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`${page.url()}: uncaught ${error.message}`));
      });
      return context;
    }

    async function signIn(context: BrowserContext, email: string): Promise<Page> {
      const page = await context.newPage();
      await page.goto(`${t.url}/account`);
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.keyboard.press('Enter');
      await page.locator('#sessions tbody tr').first().waitFor();
      return page;
    }

    async function openUser(page: Page, email: string): Promise<void> {
      await page.goto(`${t.url}/admin`);
      await page.getByLabel('Email contains').fill(email);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('button', { name: `Open ${email}` }).click();
      await page.locator('#user-detail-title').filter({ hasText: email }).waitFor();
    }

    const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
    const status = async (who: LoggedIn) => (await who.agent.get('/auth/me')).status;
    const sessionIdOf = async (who: LoggedIn) =>
      ((await who.agent.get('/auth/sessions').expect(200)).body as Array<{ id: string; current: boolean }>).find(
        (session) => session.current,
      )?.id as string;

    it('lets an admin open a user, end one of their sessions, change their roles, and impersonate them with a reason', async () => {
      const email = uniqueEmail('support-case');
      const laptop = await login(t.url, email);
      const phone = await login(t.url, email, PASSWORD, false);
      await request(t.url)
        .post('/auth/token')
        .set('User-Agent', 'phone-app/1.0')
        .send({ email, password: PASSWORD })
        .expect(200);
      const context = await newContext();
      const page = await signIn(context, adminEmail);
      await openUser(page, email);

      const sessions = page.locator('#user-sessions tbody tr');
      await sessions.nth(1).waitFor();
      assert.equal(await sessions.count(), 2);
      assert.equal(await page.locator('#user-apps tbody tr').count(), 1);
      assert.match((await page.locator('#user-mfa').textContent()) ?? '', /No authenticator app/);
      await page.locator('#user-detail tbody tr[data-event]').first().waitFor();
      await page.locator('#user-detail').screenshot({ path: join(ARTIFACTS, 'admin-user.png') });

      // Ending one session: that browser is signed out, the other still works.
      const laptopSession = await sessionIdOf(laptop);
      await page
        .locator(`#user-sessions tr[data-item="${laptopSession}"]`)
        .getByRole('button', { name: /^End/ })
        .click();
      await page.locator('#user-detail .message-success').filter({ hasText: 'Ended' }).waitFor();
      assert.equal(await sessions.count(), 1);
      for (let i = 0; i < 20 && (await status(laptop)) !== 401; i++) await sleep(100);
      assert.equal(await status(laptop), 401);
      assert.equal(await status(phone), 200);

      // Roles, with the fresh authentication the admin's sign-in gave.
      await page.getByLabel('Roles', { exact: true }).fill('support billing');
      await page.getByRole('button', { name: 'Save roles' }).click();
      await page
        .locator('#user-detail .message-success')
        .filter({ hasText: 'roles are now support, billing' })
        .waitFor();
      const me = await phone.agent.get('/auth/me').expect(200);
      assert.deepEqual([...me.body.user.roles].sort(), ['billing', 'support']);

      // Impersonation: the reason, then the account page as the user, with the banner.
      await page.getByLabel('Reason').fill('Ticket 4711: cannot find the API keys');
      await page.getByLabel('Minutes').fill('5');
      await page.getByRole('button', { name: 'Impersonate', exact: true }).click();
      await page.waitForURL(`${t.url}/account`);
      const banner = page.locator('#impersonation-banner');
      await banner.filter({ hasText: `You are signed in as ${email} by ${adminEmail} —` }).waitFor();
      await page.locator('#sessions').getByText(`by ${adminEmail} (impersonation)`).waitFor();
      await shot(page, 'admin-impersonation-banner');
      const audit = await admin.agent.get(`/auth/admin/audit?userId=${me.body.user.id}&type=impersonation.started`);
      assert.equal(audit.body[0]?.detail?.reason, 'Ticket 4711: cannot find the API keys');

      await banner.getByRole('button', { name: 'End' }).click();
      await page.waitForURL(`${t.url}/admin`);
      await page.getByRole('heading', { name: 'Users' }).waitFor();
      assert.equal(await page.locator('#user-bar .who').textContent(), adminEmail);
      assert.equal(await page.locator('#impersonation-banner').count(), 0);
      assert.equal(await status(phone), 200, 'the user’s own session is untouched');
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('shows emails in the audit log and pages the users and the audit events with "Show more", never repeating a row', async () => {
      const label = `paging${randomBytes(4).toString('hex')}`;
      const emails = [];
      for (let i = 0; i < 23; i++) emails.push((await register(t.url, uniqueEmail(label))).email);
      const target = (await admin.agent.get(`/auth/admin/users?query=${encodeURIComponent(emails[0])}`)).body.items[0];
      // Twenty-four events of the target by the admin: more than the user view's page of twenty.
      for (let i = 0; i < 12; i++) {
        await admin.agent
          .post(`/auth/admin/users/${target.id}/disable`)
          .set('X-CSRF-Token', admin.csrfToken)
          .expect(204);
        await admin.agent
          .post(`/auth/admin/users/${target.id}/enable`)
          .set('X-CSRF-Token', admin.csrfToken)
          .expect(204);
      }
      const all = (await admin.agent.get(`/auth/admin/audit?userId=${target.id}&limit=500`).expect(200)).body as Array<{
        id: string;
      }>;
      assert.ok(all.length > 20);

      const context = await newContext();
      const page = await signIn(context, adminEmail);
      await page.goto(`${t.url}/admin`);
      // The users list: twenty, then the rest once, then no button.
      await page.getByLabel('Email contains').fill(label);
      await page.getByRole('button', { name: 'Search' }).click();
      const users = page.locator('#users tbody tr');
      await users.nth(19).waitFor();
      const showMoreUsers = page.locator('#users').getByRole('button', { name: 'Show more' });
      assert.equal(await users.count(), 20);
      await showMoreUsers.click();
      await users.nth(22).waitFor();
      await showMoreUsers.waitFor({ state: 'hidden' });
      const listed = await page
        .locator('#users tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-user')));
      assert.equal(listed.length, 23);
      assert.equal(new Set(listed).size, 23);

      // The main audit log names users by email.
      await page.getByLabel('User id').fill(target.id);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.locator('#audit tbody tr td:nth-child(3)').filter({ hasText: target.email }).first().waitFor();
      await page.locator('#audit tbody tr td:nth-child(4)').filter({ hasText: adminEmail }).first().waitFor();
      assert.equal(await page.locator('#audit').getByRole('button', { name: 'Show more' }).isVisible(), false);

      // The user's view pages their events twenty at a time.
      await page.getByRole('button', { name: `Open ${target.email}` }).click();
      const events = page.locator('#user-detail tbody tr[data-event]');
      await events.nth(19).waitFor();
      assert.equal(await events.count(), 20);
      const more = page.locator('#user-detail').getByRole('button', { name: 'Show more' });
      await more.click();
      await events.nth(20).waitFor();
      await more.waitFor({ state: 'hidden' });
      const shown = await events.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event')));
      assert.deepEqual(
        shown,
        all.map((event) => event.id),
      );
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('lists the apps signed in as the user on /account and signs one out', async () => {
      const email = uniqueEmail('apps');
      await register(t.url, email);
      const tokens = async (agent: string) =>
        (
          await request(t.url)
            .post('/auth/token')
            .set('User-Agent', agent)
            .send({ email, password: PASSWORD })
            .expect(200)
        ).body as { access_token: string; refresh_token: string };
      const desktop = await tokens('Mozilla/5.0 (Windows NT 10.0) Firefox/128.0');
      const phone = await tokens('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1');
      const context = await newContext();
      const page = await signIn(context, email);
      const apps = page.locator('#apps tbody tr');
      await apps.nth(1).waitFor();
      assert.equal(await apps.count(), 2);
      await page.locator('#apps').evaluate((element) => element.scrollIntoView({ block: 'start' }));
      await shot(page, 'account-apps');

      await page.getByRole('button', { name: 'Sign out the app Firefox on Windows' }).click();
      await page.locator('#apps tbody tr').filter({ hasText: 'Firefox on Windows' }).waitFor({ state: 'detached' });
      assert.equal(await apps.count(), 1);
      const refresh = (token: string) => request(t.url).post('/auth/token/refresh').send({ refresh_token: token });
      assert.equal((await refresh(desktop.refresh_token)).status, 401);
      assert.equal((await refresh(phone.refresh_token)).status, 200);
      assert.deepEqual(problems, []);
      await context.close();
    });

    /**
     * `DELETE /auth/me`, `GET /auth/me/export` and `DELETE /auth/admin/users/:id` come with the account
     * lifecycle's own branch: until the app answers them (a signed-out call gets 401, not 404), the page is
     * tested up to its request, with the answers API.md gives played back; then against the app itself.
     */
    const lifecycleRoutesServed = async () =>
      (await request(t.url).get('/auth/me/export')).status !== 404 &&
      (await request(t.url).delete(`/auth/admin/users/${admin.user.id}`)).status !== 404;

    it('downloads the user’s data and deletes the account once the email is typed, showing a refusal (409) as it comes', async () => {
      const email = uniqueEmail('leaving');
      await register(t.url, email);
      const context = await newContext();
      const page = await signIn(context, email);
      const served = await lifecycleRoutesServed();
      const asked: Array<{ method: string; body: unknown }> = [];
      if (!served) {
        await page.route('**/auth/me/export', (route) => {
          asked.push({ method: route.request().method(), body: null });
          return route.fulfill({
            status: 200,
            contentType: 'application/json',
            body: JSON.stringify({ profile: { email } }),
          });
        });
        let refusals = 1;
        await page.route('**/auth/me', (route) => {
          if (route.request().method() !== 'DELETE') return route.continue();
          asked.push({ method: 'DELETE', body: route.request().postDataJSON() });
          return refusals-- > 0
            ? route.fulfill({
                status: 409,
                contentType: 'application/json',
                body: JSON.stringify({
                  statusCode: 409,
                  error: 'Conflict',
                  message: 'You are the last owner of an organization',
                }),
              })
            : route.fulfill({ status: 204 });
        });
      }
      const data = page.locator('#data');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        data.getByRole('button', { name: 'Download my data' }).click(),
      ]);
      const saved = JSON.parse(readFileSync(await download.path(), 'utf8'));
      assert.equal(JSON.stringify(saved).includes(email), true);
      assert.equal(download.suggestedFilename(), 'my-account-data.json');

      await data.getByLabel(`Type ${email} to confirm`).fill(`not-${email}`);
      await data.getByRole('button', { name: 'Delete account' }).click();
      await data.getByText('That is not your email. Nothing was deleted.').waitFor();
      await data.getByLabel(`Type ${email} to confirm`).fill(email.toUpperCase());
      if (!served) {
        await data.getByRole('button', { name: 'Delete account' }).click();
        await data.getByText('You are the last owner of an organization').waitFor();
      }
      await data.getByRole('button', { name: 'Delete account' }).click();
      await page.getByText('Your account is deleted.').waitFor();
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      if (served) {
        assert.equal((await request(t.url).post('/auth/login').send({ email, password: PASSWORD })).status, 401);
      } else {
        assert.deepEqual(
          asked.map((call) => call.method),
          ['GET', 'DELETE', 'DELETE'],
        );
        assert.deepEqual(asked[2].body, { confirm: email.toUpperCase() });
      }
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('lets an admin delete a user once their email is typed', async () => {
      const email = uniqueEmail('deleted-by-admin');
      const user = await register(t.url, email);
      const context = await newContext();
      const page = await signIn(context, adminEmail);
      const served = await lifecycleRoutesServed();
      const asked: string[] = [];
      if (!served)
        await page.route(`**/auth/admin/users/${user.id}`, (route) => {
          if (route.request().method() !== 'DELETE') return route.continue();
          asked.push(new URL(route.request().url()).pathname);
          return route.fulfill({ status: 204 });
        });
      await openUser(page, email);
      const detail = page.locator('#user-detail');
      await detail.getByLabel('Type the user’s email to confirm').fill(adminEmail);
      await detail.getByRole('button', { name: 'Delete user' }).click();
      await detail.getByText('That is not this user’s email. Nothing was deleted.').waitFor();
      await detail.getByLabel('Type the user’s email to confirm').fill(email);
      await detail.getByRole('button', { name: 'Delete user' }).click();
      await detail.getByText(`${email} is deleted.`).waitFor();
      if (served) assert.equal((await admin.agent.get(`/auth/admin/users/${user.id}`)).status, 404);
      else assert.deepEqual(asked, [`/auth/admin/users/${user.id}`]);
      assert.deepEqual(problems, []);
      await context.close();
    });
  },
);
