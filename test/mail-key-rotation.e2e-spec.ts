import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { EncryptionKey } from '../src/auth/core/encryption-keys';
import { PASSWORD, startApp, storageMode, uniqueEmail } from './support/app';
import { linkPath, TestSmtpServer } from './support/smtp';

const VERIFY = /Confirm your email/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`queued mails across a rotation of the session secret and of the encryption key (${storageMode})`, () => {
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await TestSmtpServer.start();
  });
  after(() => smtp.close());

  it('a mail queued under the old key goes out from an instance with a new session secret and a new first key', async () => {
    const [oldKey, newKey] = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
    smtp.down();
    const first = await startApp({
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'http://app.example',
      SESSION_SECRET: randomBytes(32).toString('hex'),
      MFA_ENCRYPTION_KEY: oldKey,
    });
    const email = uniqueEmail('rotated');
    let rotated: Awaited<ReturnType<typeof startApp>> | undefined;
    try {
      await request(first.url).post('/auth/register').send({ email, password: PASSWORD }).expect(201);
      await sleep(500);
      assert.equal(smtp.count(email, VERIFY), 0);
      const rows: Array<{ payload: string }> = await first.app
        .get(DataSource)
        .createQueryBuilder()
        .select('m.payload', 'payload')
        .from('auth_mail_queue', 'm')
        .getRawMany();
      // The key is new to this run: only this test's mail can be sealed under it.
      const sealed = rows.filter((row) => row.payload.startsWith(`v1.${EncryptionKey.parse(oldKey)!.id}.`));
      assert.equal(sealed.length, 1, rows.map((row) => row.payload.slice(0, 12)).join(' '));
      assert.ok(!sealed[0].payload.includes(email));

      // The session secret is replaced outright (none of the old one is left), the key rotates: new first, old listed.
      rotated = await startApp({
        ...first.env,
        SESSION_SECRET: randomBytes(32).toString('hex'),
        MFA_ENCRYPTION_KEY: `${newKey},${oldKey}`,
      });
      await first.close();
      smtp.up();
      // The first retry is 5 s after the refused attempt.
      const mail = await smtp.mailTo(email, VERIFY, 15_000);
      await request(rotated.url).get(linkPath(mail)).expect(302).expect('Location', '/account?emailVerified=1');
    } finally {
      await first.close().catch(() => undefined);
      await rotated?.close();
    }
  });
});
