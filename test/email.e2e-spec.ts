import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { login, LoggedIn, PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';
import { linkPath, TestSmtpServer, tokenIn } from './support/smtp';
import { totp } from './support/totp';

const NEW_PASSWORD = 'a brand new passphrase';
const VERIFY = /Confirm your email/;
const RESET = /Reset your/;
const INVALID = { statusCode: 400, message: 'Invalid or expired token', error: 'Bad Request' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe(`email verification, password reset and email change over SMTP (${storageMode})`, () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  before(async () => {
    smtp = await TestSmtpServer.start();
    t = await startApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'http://app.example', LOCKOUT_THRESHOLD: '1000' });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  const registered = async () => {
    const email = uniqueEmail('mail');
    const user = (await request(t.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201)).body;
    // Up to 30 s: on the run's shared PostgreSQL database the first mail may queue behind what earlier suites left.
    return { email, user, verification: await smtp.mailTo(email, VERIFY, 30_000) };
  };

  it('sends a verification mail at registration whose link verifies the address once', async () => {
    const { email, verification } = await registered();
    assert.match(verification.text, /http:\/\/app\.example\/auth\/email\/verify\?token=/);
    assert.match(verification.html, /<a href="http:\/\/app\.example\/auth\/email\/verify\?token=/);
    const session = await login(t.url, email, PASSWORD, false);
    assert.equal(session.user.email, email);
    assert.equal((session.user as { emailVerified?: boolean }).emailVerified, false);
    // Opened where the user is signed in: the first proof of the address ends every other session, not this one.
    await session.agent.get(linkPath(verification)).expect(302).expect('Location', '/account?emailVerified=1');
    assert.equal((await session.agent.get('/auth/me').expect(200)).body.user.emailVerified, true);
    await request(t.url).get(linkPath(verification)).expect(302).expect('Location', '/account?error=invalid_token');
  });

  it('sends a new link on request, spent once by POST; reused, expired and garbage tokens get the same 400', async () => {
    const { email, verification: first } = await registered();
    const session = await login(t.url, email, PASSWORD, false);
    await session.agent.post('/auth/email/verification').set('X-CSRF-Token', session.csrfToken).expect(202);
    const [, second] = await smtp.mailsTo(email, VERIFY, 2);
    assert.notEqual(tokenIn(second), tokenIn(first));
    // The newer link voids the older one.
    await request(t.url)
      .post('/auth/email/verify')
      .send({ token: tokenIn(first) })
      .expect(400, INVALID);
    await request(t.url)
      .post('/auth/email/verify')
      .send({ token: tokenIn(second) })
      .expect(204);
    await request(t.url)
      .post('/auth/email/verify')
      .send({ token: tokenIn(second) })
      .expect(400, INVALID);
    await request(t.url)
      .post('/auth/email/verify')
      .send({ token: 'x'.repeat(43) })
      .expect(400, INVALID);
    await request(t.url).post('/auth/email/verify').send({ token: '' }).expect(400);

    const { verification } = await registered();
    await t.app
      .get(DataSource)
      .query(`UPDATE auth_email_tokens SET expires_at = created_at WHERE used_at IS NULL AND kind = 'verify'`);
    await request(t.url)
      .post('/auth/email/verify')
      .send({ token: tokenIn(verification) })
      .expect(400, INVALID);
  });

  it('answers forgot-password alike for a registered and an unknown address, and mails only the registered one', async () => {
    const { email } = await registered();
    const unknown = uniqueEmail('nobody');
    const known = await request(t.url).post('/auth/password/forgot').send({ email }).expect(202);
    const stranger = await request(t.url).post('/auth/password/forgot').send({ email: unknown }).expect(202);
    assert.equal(known.text, stranger.text);
    assert.deepEqual(Object.keys(known.headers).sort(), Object.keys(stranger.headers).sort());
    await smtp.mailTo(email, RESET);
    await sleep(500);
    assert.equal(smtp.count(unknown, /./), 0);
  });

  it('takes about the same time for a registered and an unknown address (medians within a factor of 2)', async () => {
    const { email } = await registered();
    const timings = { known: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < 16; i++) {
      for (const [which, address] of [
        ['known', email],
        ['unknown', uniqueEmail('nobody')],
      ] as const) {
        const started = process.hrtime.bigint();
        await request(t.url).post('/auth/password/forgot').send({ email: address }).expect(202);
        timings[which].push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
    const [known, unknown] = [median(timings.known), median(timings.unknown)];
    assert.ok(
      known < unknown * 2 && unknown < known * 2,
      `medians ${known.toFixed(2)} ms and ${unknown.toFixed(2)} ms`,
    );
  });

  it('resets the password once: every session, refresh family and access token ends, a notice goes out, older links are void', async () => {
    const { email } = await registered();
    const session = await login(t.url, email, PASSWORD, false);
    const tokens = (await request(t.url).post('/auth/token').send({ email, password: PASSWORD }).expect(200)).body;
    await request(t.url).post('/auth/password/forgot').send({ email }).expect(202);
    const older = await smtp.mailTo(email, RESET);
    await request(t.url).post('/auth/password/forgot').send({ email }).expect(202);
    const [, newer] = await smtp.mailsTo(email, RESET, 2);
    assert.notEqual(tokenIn(newer), tokenIn(older));
    await request(t.url)
      .post('/auth/password/reset')
      .send({ token: tokenIn(older), newPassword: NEW_PASSWORD })
      .expect(400, INVALID);
    await request(t.url)
      .post('/auth/password/reset')
      .send({ token: tokenIn(newer), newPassword: 'short' })
      .expect(400);
    await request(t.url)
      .post('/auth/password/reset')
      .send({ token: tokenIn(newer), newPassword: NEW_PASSWORD })
      .expect(204);
    await request(t.url)
      .post('/auth/password/reset')
      .send({ token: tokenIn(newer), newPassword: NEW_PASSWORD })
      .expect(400, INVALID);

    await session.agent.get('/examples/profile').expect(401);
    await request(t.url).get('/examples/profile').set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    await request(t.url).post('/auth/token/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
    await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(401);
    await request(t.url).post('/auth/login').send({ email, password: NEW_PASSWORD }).expect(200);
    await smtp.mailTo(email, /password was changed/);
  });

  it('sends at most 3 mails of a kind to an address in an hour: 429 to a signed-in user, the same 202 to forgot-password', async () => {
    const { email } = await registered();
    const session = await login(t.url, email, PASSWORD, false);
    const resend = () => session.agent.post('/auth/email/verification').set('X-CSRF-Token', session.csrfToken);
    await resend().expect(202);
    await resend().expect(202);
    const refused = await resend().expect(429);
    assert.ok(Number(refused.headers['retry-after']) > 3000);
    for (let i = 0; i < 5; i++) await request(t.url).post('/auth/password/forgot').send({ email }).expect(202);
    await sleep(1500);
    assert.equal(smtp.count(email, RESET), 3);
  });

  it('changes the address after confirmation at the new one, with a notice to the old one; a reset voids a pending change', async () => {
    const { email } = await registered();
    const session = await login(t.url, email, PASSWORD, false);
    const change = (newEmail: string, currentPassword = PASSWORD) =>
      session.agent.post('/auth/email').set('X-CSRF-Token', session.csrfToken).send({ newEmail, currentPassword });
    const { email: taken } = await registered();
    await change(taken).expect(409);
    // At most 3 requests an account an hour: this test makes 3, the wrong password has its test in recovery.e2e-spec.ts.
    const moved = uniqueEmail('new');
    await change(moved).expect(202);
    const confirm = await smtp.mailTo(moved, /Confirm your new email/);
    await smtp.mailTo(email, /change of your .* email was asked for/);
    await request(t.url).post('/auth/login').send({ email: moved, password: PASSWORD }).expect(401);
    await request(t.url)
      .post('/auth/email/verify')
      .send({ token: tokenIn(confirm) })
      .expect(204);
    await smtp.mailTo(email, /email was changed/);
    await session.agent.get('/examples/profile').expect(401);
    await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(401);
    const relogin = await request(t.url).post('/auth/login').send({ email: moved, password: PASSWORD }).expect(200);
    assert.equal(relogin.body.user.emailVerified, true);

    const again = await login(t.url, moved, PASSWORD, false);
    const third = uniqueEmail('new');
    await again.agent
      .post('/auth/email')
      .set('X-CSRF-Token', again.csrfToken)
      .send({ newEmail: third, currentPassword: PASSWORD })
      .expect(202);
    const pending = await smtp.mailTo(third, /Confirm your new email/);
    await request(t.url).post('/auth/password/forgot').send({ email: moved }).expect(202);
    const reset = await smtp.mailTo(moved, RESET);
    await request(t.url)
      .post('/auth/password/reset')
      .send({ token: tokenIn(reset), newPassword: NEW_PASSWORD })
      .expect(204);
    await request(t.url)
      .post('/auth/email/verify')
      .send({ token: tokenIn(pending) })
      .expect(400, INVALID);
  });

  it('tells the user when two-factor authentication is turned on or off and when recovery codes are made again', async () => {
    const { email } = await registered();
    const session = await login(t.url, email, PASSWORD, false);
    const csrf = { 'X-CSRF-Token': session.csrfToken };
    const CHANGED = /How you sign in to .* changed/;
    const started = await session.agent
      .post('/auth/mfa/totp')
      .set(csrf)
      .send({ currentPassword: PASSWORD })
      .expect(201);
    const step = () => Math.floor(Date.now() / 1000);
    // Clear of a step's edge, so that the code confirming and the later one fall in distinct steps.
    if (30 - (step() % 30) < 4) await sleep(5000);
    await session.agent
      .post('/auth/mfa/totp/confirm')
      .set(csrf)
      .send({ code: totp(started.body.secret) })
      .expect(200);
    const [on] = await smtp.mailsTo(email, CHANGED, 1);
    assert.match(on.text, /Two-factor authentication with an authenticator app was turned on/);
    assert.match(on.text, /If this was not you/);
    await session.agent.post('/auth/mfa/recovery-codes').set(csrf).send({ currentPassword: PASSWORD }).expect(200);
    const [, codes] = await smtp.mailsTo(email, CHANGED, 2);
    assert.match(codes.text, /New recovery codes were made/);
    const code = totp(started.body.secret, step() + 30);
    await session.agent.delete('/auth/mfa/totp').set(csrf).send({ currentPassword: PASSWORD, code }).expect(204);
    const [, , off] = await smtp.mailsTo(email, CHANGED, 3);
    assert.match(off.text, /Two-factor authentication was turned off/);
    // A refused attempt changes nothing and tells nothing.
    await session.agent
      .post('/auth/mfa/recovery-codes')
      .set(csrf)
      .send({ currentPassword: 'not the password' })
      .expect(400);
    await sleep(300);
    assert.equal(smtp.count(email, CHANGED), 3);
  });

  it('keeps mails queued while SMTP refuses them and across a restart, and sends them once it takes them', async () => {
    smtp.down();
    const email = uniqueEmail('queued');
    await request(t.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201);
    await sleep(500);
    assert.equal(smtp.count(email, VERIFY), 0);
    const restarted = await startApp({ ...t.env });
    try {
      await t.close();
      smtp.up();
      // The first retry is 5 s after the refused attempt.
      const mail = await smtp.mailTo(email, VERIFY, 15_000);
      await request(restarted.url).get(linkPath(mail)).expect(302).expect('Location', '/account?emailVerified=1');
    } finally {
      t = restarted;
    }
  });
});

describe(`REQUIRE_VERIFIED_EMAIL (${storageMode})`, () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  before(async () => {
    smtp = await TestSmtpServer.start();
    t = await startApp({ SMTP_URL: smtp.url, REQUIRE_VERIFIED_EMAIL: 'true' });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('answers 403 to the right password of an unverified address, and logs in once it is verified', async () => {
    const email = uniqueEmail('strict');
    await request(t.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201);
    const refused = await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(403);
    assert.equal(refused.body.message, 'Email not verified');
    assert.equal(refused.headers['set-cookie'], undefined);
    await request(t.url).post('/auth/token').send({ email, password: PASSWORD }).expect(403);
    await request(t.url).post('/auth/login').send({ email, password: 'the wrong password' }).expect(401);
    const mail = await smtp.mailTo(email, VERIFY);
    await request(t.url)
      .post('/auth/email/verify')
      .send({ token: tokenIn(mail) })
      .expect(204);
    await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(200);
  });
});

describe(`the outbox, without SMTP (${storageMode})`, () => {
  let t: TestApp;
  let session: LoggedIn;
  before(async () => {
    t = await startApp();
    session = await login(t.url);
  });
  after(() => t.close());

  it('writes each mail as a readable .eml file in DATA_DIR/outbox, whose link works', async () => {
    const outbox = join(t.env.DATA_DIR as string, 'outbox');
    let file: string | undefined;
    for (let i = 0; i < 100 && !file; i++) {
      if (!existsSync(outbox)) {
        await sleep(50);
        continue;
      }
      file = readdirSync(outbox).find((name) => name.includes('-verify_email-') && name.endsWith('.eml'));
      if (!file) await sleep(50);
    }
    assert.ok(file, 'a verification mail in the outbox');
    const mail = await simpleParser(readFileSync(join(outbox, file)));
    assert.equal((Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text, session.user.email);
    assert.match(mail.subject ?? '', VERIFY);
    await request(t.url)
      .get(linkPath({ text: mail.text ?? '' }))
      .expect(302)
      .expect('Location', '/account?emailVerified=1');
  });
});
