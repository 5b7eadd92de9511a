/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { login, PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from './support/chromium';

const skip = chromiumMissing('the browser test of the webhooks section');

describe(`the webhooks section of /admin in Chromium (${storageMode})`, { skip }, () => {
  let t: TestApp;
  let browser: Browser;
  let receiver: Server;
  let receiverUrl = '';
  const received: Array<{ id: string; timestamp: string; signature: string; body: string }> = [];
  const adminEmail = uniqueEmail('admin');
  const problems: string[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({
          id: String(req.headers['webhook-id']),
          timestamp: String(req.headers['webhook-timestamp']),
          signature: String(req.headers['webhook-signature']),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/page-hook`;
    t = await startApp({ AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail, AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  const secretShown = async (page: Page) => {
    const input = page.locator('#new-webhook-secret');
    await input.waitFor();
    return input.inputValue();
  };

  it('adds an endpoint (secret shown once), lists its deliveries, sends one again and rotates the secret', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) =>
        console.error(`CSP violation: ${event.violatedDirective}`),
      );
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${t.url}/account`);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(adminEmail);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('#sessions tbody tr').first().waitFor();
    await page.goto(`${t.url}/admin`);
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();

    await page.getByLabel('Endpoint URL').fill(receiverUrl);
    await page.getByLabel('Subscribed to').fill('user.registered');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = await secretShown(page);
    assert.match(secret, /^whsec_/);
    await page.locator('#webhooks tbody tr').filter({ hasText: receiverUrl }).waitFor();
    await page.getByRole('button', { name: 'I have stored it safely' }).click();
    assert.equal(await page.locator('#new-webhook-secret').count(), 0, 'the secret is gone once dismissed');
    assert.equal((await page.content()).includes(secret), false);

    const user = await login(t.url);
    for (let i = 0; i < 100 && !received.length; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(received.length, 1);
    new Webhook(secret).verify(received[0].body, {
      'webhook-id': received[0].id,
      'webhook-timestamp': received[0].timestamp,
      'webhook-signature': received[0].signature,
    });
    assert.match(received[0].body, new RegExp(user.user.id));

    await page.getByRole('button', { name: `Deliveries: ${receiverUrl}` }).click();
    const row = page.locator('#webhook-deliveries tbody tr').filter({ hasText: 'user.registered' });
    await row.waitFor();
    await row.getByRole('button', { name: /^Send again/ }).click();
    await page.locator('#webhooks .message-success').filter({ hasText: 'Queued to be sent again' }).waitFor();
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(received.length, 2);
    assert.equal(received[1].id, received[0].id, 'sent again under the same webhook-id');

    await page.getByRole('button', { name: `Rotate secret: ${receiverUrl}` }).click();
    const rotated = await secretShown(page);
    assert.match(rotated, /^whsec_/);
    assert.notEqual(rotated, secret);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
