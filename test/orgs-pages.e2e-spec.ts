/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, watchedContext } from './support/chromium';
import { freePort } from './support/oidc-provider';
import { linkPath, TestSmtpServer } from './support/smtp';

/** Screenshots per storage mode (gitignored; docs/screenshots/ holds the README's copies). */
const ARTIFACTS = resolve(__dirname, '../../test-artifacts/orgs-pages', storageMode);
const skip = chromiumMissing('the browser tests of the organization pages');

interface Listed {
  id: string;
  name: string;
  slug: string;
  role: string;
}

describe(`organization pages in Chromium (${storageMode})`, { skip }, () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let origin: string;
  let ownerContext: BrowserContext;
  let owner: Page;
  let memberContext: BrowserContext;
  let acme: Listed;
  let globex: Listed;
  const ownerEmail = uniqueEmail('owner');
  const memberEmail = uniqueEmail('member');
  /** Every console error, uncaught exception and CSP violation of every page; the last test fails on any. */
  const problems: string[] = [];

  before(async () => {
    const { chromium } = await import('playwright-core');
    smtp = await TestSmtpServer.start();
    const port = await freePort();
    origin = `http://localhost:${port}`;
    // A sign-in goes stale in seconds, so that creating a key and deleting an organization ask for a fresh one.
    t = await startApp({ PORT: String(port), PUBLIC_URL: origin, SMTP_URL: smtp.url, REAUTH_MAX_AGE_SECONDS: '2' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.close();
  });

  async function newContext(): Promise<BrowserContext> {
    const context = await watchedContext(browser, problems);
    // Confirmations (leave, delete, revoke) are answered yes.
    context.on('page', (page) => page.on('dialog', (dialog) => void dialog.accept()));
    return context;
  }

  async function open(context: BrowserContext, path: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${origin}${path}`);
    return page;
  }

  async function signUp(page: Page, email: string): Promise<void> {
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#organizations').waitFor();
  }

  async function signIn(page: Page, email: string): Promise<void> {
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('#organizations').waitFor();
  }

  /** A call of the module's API from the page, as its own session (cookie and CSRF token), answering the status and body. */
  const api = (page: Page, method: string, path: string, body?: unknown) =>
    page.evaluate(
      async ({ method, path, body }) => {
        const csrf = (await (await fetch('/auth/csrf')).json()).csrfToken as string;
        const response = await fetch(`/auth${path}`, {
          method,
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : null };
      },
      { method, path, body },
    );

  const createOrg = async (page: Page, name: string, slug: string) => {
    const form = page.getByRole('form', { name: 'Create an organization' });
    await form.getByLabel('Organization name').fill(name);
    await form.getByLabel('Slug').fill(slug);
    await form.getByRole('button', { name: 'Create organization' }).click();
    await page.locator('#organizations tbody tr').filter({ hasText: name }).waitFor();
  };

  const createRole = async (page: Page, name: string, permissions: string) => {
    const form = page.getByRole('form', { name: 'Create a role' });
    await form.getByLabel('Role name').fill(name);
    await form.getByLabel('Permissions').fill(permissions);
    await form.getByRole('button', { name: 'Create role' }).click();
    await page.locator(`#roles tr[data-role="${name}"]`).waitFor();
  };

  /**
   * Waits until the page's sign-in is no longer fresh: the guard asks for a fresh one (401) before the
   * body is even read, so an empty key request answers 401 once stale and 400 before.
   */
  async function untilStale(page: Page, orgId: string): Promise<void> {
    while ((await api(page, 'POST', `/orgs/${orgId}/api-keys`, {})).status !== 401)
      await new Promise((resolve) => setTimeout(resolve, 250));
  }

  /** Answers the page's "Confirm it’s you" dialog with the password. */
  async function reauthenticate(page: Page): Promise<void> {
    const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
    await dialog.waitFor();
    await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  const slug = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;

  it('serves the organization page like the account page: same CSP, not stored, no inline code', async () => {
    const response = await fetch(`${t.url}/account/orgs/00000000-0000-4000-8000-000000000000`);
    assert.equal(response.status, 200);
    const account = await fetch(`${t.url}/account`);
    assert.equal(response.headers.get('content-security-policy'), account.headers.get('content-security-policy'));
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    const html = await response.text();
    assert.match(html, /<script type="module" src="\/account\/assets\/org.js">/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|<style|\son[a-z]+=/);
  });

  it('creates organizations from the account page, each linked to its own page', async () => {
    ownerContext = await newContext();
    owner = await open(ownerContext, '/account');
    await signUp(owner, ownerEmail);
    await owner.locator('#organizations').getByText('You are not a member of any organization yet.').waitFor();
    await createOrg(owner, 'Acme', slug('acme'));
    await createOrg(owner, 'Globex', slug('globex'));
    const listed: Listed[] = (await api(owner, 'GET', '/orgs')).body;
    acme = listed.find((org) => org.name === 'Acme') as Listed;
    globex = listed.find((org) => org.name === 'Globex') as Listed;
    assert.equal(acme.role, 'owner');
    assert.equal(globex.role, 'owner');
    const row = owner.locator(`#organizations tr[data-org="${acme.id}"]`);
    assert.equal(await row.getByRole('link', { name: 'Acme' }).getAttribute('href'), `/account/orgs/${acme.id}`);
    assert.match(await row.innerText(), /owner/);
    await owner.locator('#organizations').scrollIntoViewIfNeeded();
    await owner.screenshot({ path: join(ARTIFACTS, 'account-orgs.png') });
  });

  it('invites by email; the invitee signs in from the mailed link and accepts', async () => {
    await owner.locator(`#organizations tr[data-org="${acme.id}"]`).getByRole('link', { name: 'Acme' }).click();
    await owner.getByRole('heading', { name: 'Acme', level: 1 }).waitFor();
    const invite = owner.getByRole('form', { name: 'Invite someone' });
    await invite.getByLabel('Email address').fill(memberEmail);
    await invite.getByLabel('Role').selectOption('member');
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    await owner.locator('#invitations tbody tr').filter({ hasText: memberEmail }).waitFor();

    // The invitee has an account with a verified address (the mailed link), and is signed out.
    const signUpContext = await newContext();
    const registering = await open(signUpContext, '/account');
    await signUp(registering, memberEmail);
    await registering.goto(`${origin}${linkPath(await smtp.mailTo(memberEmail, /Confirm your email/))}`);
    await registering.getByText('Your email address is verified.').waitFor();
    await signUpContext.close();

    const invitation = await smtp.mailTo(memberEmail, /Acme/);
    const link = /https?:\/\/\S+invitation=\S+/.exec(invitation.text)?.[0] as string;
    assert.ok(link?.startsWith(`${origin}/account?invitation=`), invitation.text);
    memberContext = await newContext();
    const member = await open(memberContext, new URL(link).pathname + new URL(link).search);
    await member.locator('#invitation-sign-in').waitFor();
    assert.equal(new URL(member.url()).search, '', 'the token leaves the address bar');
    await signIn(member, memberEmail);
    await member
      .getByRole('region', { name: 'Invitation' })
      .getByRole('button', { name: 'Accept the invitation' })
      .click();
    await member.locator('#organizations .message-success').filter({ hasText: 'as member' }).waitFor();
    await member.locator(`#organizations tr[data-org="${acme.id}"]`).waitFor();
    assert.deepEqual(
      (await api(member, 'GET', '/orgs')).body.map((org: Listed) => [org.id, org.role]),
      [[acme.id, 'member']],
    );
    await member.close();
  });

  it('lets the owner change a role, define a role, create a key (after a fresh sign-in) shown once, read the audit', async () => {
    await owner.reload();
    const memberRow = owner.locator('#members tbody tr').filter({ hasText: memberEmail });
    await memberRow.waitFor();
    await memberRow.getByLabel(`Role of ${memberEmail}`).selectOption('admin');
    await owner
      .locator('#members .message-success')
      .filter({ hasText: `${memberEmail} is now admin` })
      .waitFor();
    await owner.reload();
    assert.equal(await owner.getByLabel(`Role of ${memberEmail}`).inputValue(), 'admin');
    const members = (await api(owner, 'GET', `/orgs/${acme.id}/members`)).body.items as Array<{
      email: string;
      role: string;
    }>;
    assert.equal(members.find((m) => m.email === memberEmail)?.role, 'admin');
    await owner.getByLabel(`Role of ${memberEmail}`).selectOption('member');
    await owner
      .locator('#members .message-success')
      .filter({ hasText: `${memberEmail} is now member` })
      .waitFor();

    await createRole(owner, 'billing', 'invoices:read invoices:write');
    const roles = (await api(owner, 'GET', `/orgs/${acme.id}/roles`)).body as Array<{
      name: string;
      permissions: string[];
    }>;
    assert.deepEqual(roles.find((role) => role.name === 'billing')?.permissions, ['invoices:read', 'invoices:write']);

    const keyForm = owner.getByRole('form', { name: 'Create a key of the organization' });
    await keyForm.getByLabel('Key name').fill('invoicing sync');
    await keyForm.getByLabel('Key scopes').fill('invoices:read');
    await untilStale(owner, acme.id);
    await keyForm.getByRole('button', { name: 'Create key' }).click();
    await reauthenticate(owner);
    const shown = owner.locator('#new-api-key');
    await shown.waitFor();
    const key = await shown.inputValue();
    const read = await fetch(`${t.url}/examples/orgs/${acme.id}/invoices`, { headers: { 'X-API-Key': key } });
    assert.equal(read.status, 200, 'the key shown is the organization’s');
    await owner.locator('#org-api-keys tbody tr').filter({ hasText: 'invoicing sync' }).waitFor();
    await owner.getByRole('button', { name: 'I have stored it safely' }).click();
    assert.equal(await owner.locator('#new-api-key').count(), 0);
    assert.equal((await owner.content()).includes(key), false, 'the key is gone from the page once dismissed');

    await owner.reload();
    const audit = owner.locator('#org-audit tbody');
    await audit.locator('tr').first().waitFor();
    const types = await audit.locator('td[data-label="Event"]').allInnerTexts();
    for (const type of ['org.created', 'org.invitation_created', 'org.member_added', 'org.member_role_changed'])
      assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
    assert.ok(types.includes('org.role_created') && types.includes('org.api_key_created'));
    assert.equal(await owner.locator('#org-audit').getByRole('button', { name: 'Show more' }).isVisible(), false);
    await owner.screenshot({ path: join(ARTIFACTS, 'org.png'), fullPage: true });
  });

  it('pages the audit with "Show more" only while the server has more', async () => {
    // More events than one page (50): a role changed back and forth.
    for (let i = 0; i < 50; i++) {
      const permissions = i % 2 ? ['invoices:read'] : ['invoices:read', 'invoices:write'];
      assert.equal((await api(owner, 'PATCH', `/orgs/${acme.id}/roles/billing`, { permissions })).status, 200);
    }
    await owner.reload();
    const more = owner.locator('#org-audit').getByRole('button', { name: 'Show more' });
    await more.waitFor();
    assert.equal(await owner.locator('#org-audit tbody tr').count(), 50);
    await more.click();
    await owner.locator('#org-audit tbody tr').nth(50).waitFor();
    assert.equal(await more.isVisible(), false, 'no more pages');
  });

  it('keeps two tabs on two organizations apart: each tab acts in its own organization', async () => {
    const tabA = await open(ownerContext, `/account/orgs/${acme.id}`);
    const tabB = await open(ownerContext, `/account/orgs/${globex.id}`);
    await tabA.getByRole('heading', { name: 'Acme', level: 1 }).waitFor();
    await tabB.getByRole('heading', { name: 'Globex', level: 1 }).waitFor();
    // Acting in the tab opened first after the other has loaded, then in the other.
    await createRole(tabA, 'tab-a', 'reports:read');
    await createRole(tabB, 'tab-b', 'reports:read');
    const inviteIn = async (tab: Page, email: string) => {
      const form = tab.getByRole('form', { name: 'Invite someone' });
      await form.getByLabel('Email address').fill(email);
      await form.getByRole('button', { name: 'Send invitation' }).click();
      await tab.locator('#invitations tbody tr').filter({ hasText: email }).waitFor();
    };
    const forA = uniqueEmail('tab-a');
    const forB = uniqueEmail('tab-b');
    await inviteIn(tabB, forB);
    await inviteIn(tabA, forA);

    const names = async (orgId: string) =>
      ((await api(tabA, 'GET', `/orgs/${orgId}/roles`)).body as Array<{ name: string }>).map((role) => role.name);
    const invited = async (orgId: string) =>
      ((await api(tabA, 'GET', `/orgs/${orgId}/invitations`)).body as Array<{ email: string }>).map((i) => i.email);
    assert.ok((await names(acme.id)).includes('tab-a'));
    assert.ok(!(await names(acme.id)).includes('tab-b'));
    assert.ok((await names(globex.id)).includes('tab-b'));
    assert.ok(!(await names(globex.id)).includes('tab-a'));
    assert.ok((await invited(acme.id)).includes(forA));
    assert.ok(!(await invited(acme.id)).includes(forB));
    assert.ok((await invited(globex.id)).includes(forB));
    assert.ok(!(await invited(globex.id)).includes(forA));
    await tabA.close();
    await tabB.close();
  });

  it('shows a plain member the organization and its members only, and the API refuses the rest anyway', async () => {
    const page = await open(memberContext, `/account/orgs/${acme.id}`);
    await page.getByRole('heading', { name: 'Acme', level: 1 }).waitFor();
    await page.locator('#members tbody tr').filter({ hasText: ownerEmail }).waitFor();
    assert.equal(await page.locator('#org-role').innerText(), 'member');
    assert.equal(await page.locator('#organization').isVisible(), true);
    for (const part of ['#invitations', '#roles', '#org-api-keys', '#org-audit'])
      assert.equal(await page.locator(part).isVisible(), false, `${part} hidden`);
    assert.equal(await page.locator('#main select').count(), 0, 'no role to change');
    assert.equal(await page.getByRole('button', { name: /^Remove / }).count(), 0, 'nobody to remove');
    assert.equal(await page.getByRole('form', { name: 'Change the organization' }).count(), 0);
    await page.getByRole('button', { name: 'Leave Acme' }).waitFor();

    const base = `/orgs/${acme.id}`;
    const ownerId = (await api(owner, 'GET', '/me')).body.user.id as string;
    const refused = [
      await api(page, 'PATCH', base, { name: 'Taken over' }),
      await api(page, 'POST', `${base}/invitations`, { email: uniqueEmail('x'), role: 'member' }),
      await api(page, 'GET', `${base}/invitations`),
      await api(page, 'PATCH', `${base}/members/${ownerId}`, { role: 'member' }),
      await api(page, 'DELETE', `${base}/members/${ownerId}`),
      await api(page, 'POST', `${base}/roles`, { name: 'mine', permissions: ['*'] }),
      await api(page, 'GET', `${base}/api-keys`),
      await api(page, 'GET', `${base}/audit`),
    ];
    assert.deepEqual(
      refused.map((answer) => answer.status),
      refused.map(() => 403),
    );
    // The other organization is not even disclosed to them.
    assert.equal((await api(page, 'GET', `/orgs/${globex.id}`)).status, 404);
    await page.goto(`${origin}/account/orgs/${globex.id}`);
    await page.getByText('Organization not found.').waitFor();
  });

  it('lets a member leave from the account page', async () => {
    const page = await open(memberContext, '/account');
    const row = page.locator(`#organizations tr[data-org="${acme.id}"]`);
    await row.getByRole('button', { name: 'Leave: Acme' }).click();
    await page.locator('#organizations').getByText('You are not a member of any organization yet.').waitFor();
    assert.deepEqual((await api(page, 'GET', '/orgs')).body, []);
    assert.equal((await api(page, 'GET', `/orgs/${acme.id}`)).status, 404);
  });

  it('changes the organization from its page; requiring a second factor needs the owner’s own; deleting a fresh sign-in', async () => {
    const page = await open(ownerContext, `/account/orgs/${globex.id}`);
    const form = page.getByRole('form', { name: 'Change the organization' });
    await form.getByLabel('Require a second factor of every member').check();
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator('#organization .message-error').filter({ hasText: 'Enrol a second factor' }).waitFor();
    assert.equal((await api(page, 'GET', `/orgs/${globex.id}`)).body.requireMfa, false);
    await form.getByLabel('Require a second factor of every member').uncheck();
    await form.getByLabel('Name').fill('Globex Corp');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Globex Corp', level: 1 }).waitFor();
    assert.equal((await api(page, 'GET', `/orgs/${globex.id}`)).body.name, 'Globex Corp');

    await untilStale(page, globex.id);
    await page.getByRole('button', { name: 'Delete the organization Globex Corp' }).click();
    await reauthenticate(page);
    await page.waitForURL(`${origin}/account`);
    await page.locator('#organizations').waitFor();
    assert.equal(await page.locator(`#organizations tr[data-org="${globex.id}"]`).count(), 0);
    assert.equal((await api(page, 'GET', `/orgs/${globex.id}`)).status, 404);
  });

  it('had no console error, uncaught exception or CSP violation on any page', () => {
    assert.deepEqual(problems, []);
  });
});
