import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { login, PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { TestSmtpServer, tokenIn } from './support/smtp';

const TOO_COMMON = {
  statusCode: 400,
  message: 'This password is too common or has appeared in a data breach: choose another',
  error: 'Bad Request',
};
/** Ranked 1157th and 2688th among the most common passwords, and at least 12 characters long, as the app asks. */
const COMMON = ['123qweasdzxc', 'Qwerty123456'];

describe(`common passwords are refused (${storageMode})`, () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  before(async () => {
    smtp = await TestSmtpServer.start();
    t = await startApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'http://app.example' });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('at registration', async () => {
    for (const password of COMMON) {
      await request(t.url)
        .post('/auth/register')
        .send({ email: uniqueEmail('common'), password })
        .expect(400, TOO_COMMON);
    }
  });

  it('at a password change', async () => {
    const session = await login(t.url);
    await session.agent
      .post('/auth/password')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ currentPassword: PASSWORD, newPassword: COMMON[0] })
      .expect(400, TOO_COMMON);
    await request(t.url).post('/auth/login').send({ email: session.user.email, password: PASSWORD }).expect(200);
  });

  it('at a reset, which leaves the link usable for a better password', async () => {
    const email = uniqueEmail('reset');
    await request(t.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201);
    await request(t.url).post('/auth/password/forgot').send({ email }).expect(202);
    const token = tokenIn(await smtp.mailTo(email, /Reset your/));
    await request(t.url).post('/auth/password/reset').send({ token, newPassword: COMMON[1] }).expect(400, TOO_COMMON);
    await request(t.url)
      .post('/auth/password/reset')
      .send({ token, newPassword: 'a much better passphrase' })
      .expect(204);
  });
});

describe(`PASSWORD_BREACH_CHECK=hibp against a local Pwned Passwords range API (${storageMode})`, () => {
  const BREACHED = 'a passphrase somebody leaked';
  const sha1 = (text: string) => createHash('sha1').update(text).digest('hex').toUpperCase();
  const paths: string[] = [];
  let api: Server;
  let t: TestApp;
  before(async () => {
    api = createServer((req, res) => {
      paths.push(req.url ?? '');
      const prefix = (req.url ?? '').split('/').pop() ?? '';
      const lines = [`${'0'.repeat(35)}:3`, `${sha1('padding only').slice(5)}:0`];
      if (prefix === sha1(BREACHED).slice(0, 5)) lines.push(`${sha1(BREACHED).slice(5)}:42`);
      if (prefix === sha1('padding only').slice(0, 5)) lines.push(`${sha1('padding only').slice(5)}:0`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    t = await startApp({
      PASSWORD_BREACH_CHECK: 'hibp',
      PASSWORD_BREACH_CHECK_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}/range/`,
    });
  });
  after(async () => {
    await t?.close();
    api?.closeAllConnections();
    await new Promise((resolve) => api?.close(resolve));
  });

  it('refuses a password the range API lists, sending only the first 5 hex digits of its SHA-1', async () => {
    await request(t.url)
      .post('/auth/register')
      .send({ email: uniqueEmail('breached'), password: BREACHED })
      .expect(400, TOO_COMMON);
    assert.deepEqual(paths.at(-1), `/range/${sha1(BREACHED).slice(0, 5)}`);
    assert.ok(!paths.some((path) => path.includes(sha1(BREACHED).slice(5))));
  });

  it('admits a password the API lists only as padding (count 0), and one it does not list', async () => {
    await request(t.url)
      .post('/auth/register')
      .send({ email: uniqueEmail('padded'), password: 'padding only' })
      .expect(201);
    await request(t.url)
      .post('/auth/register')
      .send({ email: uniqueEmail('clean'), password: 'a passphrase nobody leaked' })
      .expect(201);
  });

  it('fails open when the API cannot be reached', async () => {
    api.closeAllConnections();
    await new Promise((resolve) => api.close(resolve));
    await request(t.url)
      .post('/auth/register')
      .send({ email: uniqueEmail('offline'), password: BREACHED })
      .expect(201);
  });
});
