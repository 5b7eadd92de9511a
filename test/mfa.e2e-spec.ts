import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  ChildApp,
  login,
  LoggedIn,
  PASSWORD,
  productionMode,
  register,
  sessionCookie,
  startApp,
  startAppProcess,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';
import { totp } from './support/totp';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const now = () => Date.now() / 1000;

/** Codes a step apart are only meaningful away from a step's edge, where the server's clock may already be in the next one. */
async function awayFromStepEdge(): Promise<void> {
  const left = 30 - (now() % 30);
  if (left < 4) await sleep(left * 1000 + 500);
}

interface Enrolled extends LoggedIn {
  email: string;
  secret: string;
  recoveryCodes: string[];
}

/** Registers, logs in and turns TOTP on; the confirming code is of the current step. */
async function enrol(url: string): Promise<Enrolled> {
  const email = uniqueEmail('mfa');
  const session = await login(url, email);
  const started = await session.agent
    .post('/auth/mfa/totp')
    .set('X-CSRF-Token', session.csrfToken)
    .send({ currentPassword: PASSWORD })
    .expect(201);
  const { secret } = started.body;
  await awayFromStepEdge();
  const confirmed = await session.agent
    .post('/auth/mfa/totp/confirm')
    .set('X-CSRF-Token', session.csrfToken)
    .send({ code: totp(secret) })
    .expect(200);
  return { ...session, email, secret, recoveryCodes: confirmed.body.recoveryCodes };
}

async function mfaTokenFor(url: string, email: string, path = '/auth/login'): Promise<string> {
  const response = await request(url).post(path).send({ email, password: PASSWORD }).expect(200);
  assert.equal(response.body.mfaRequired, true);
  return response.body.mfaToken;
}

/** One code of each later step, so a user can log in several times (a code is accepted once, and none older than the last). */
function nextStepCode(secret: string): string {
  return totp(secret, now() + 30);
}

describe(`MFA: TOTP and recovery codes (${storageMode})`, () => {
  let t: TestApp;
  const adminEmail = uniqueEmail('admin');

  before(async () => {
    t = await startApp({ AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail, AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
  });
  after(() => t.close());

  it('enrols behind the current password, pending until a first code, and keeps the secret and codes only sealed or hashed', async () => {
    const email = uniqueEmail('enrol');
    const session = await login(t.url, email);
    const csrf = { 'X-CSRF-Token': session.csrfToken };
    await session.agent.get('/auth/mfa').expect(200, { totp: false, recoveryCodesLeft: 0, passkeys: 0 });
    await session.agent
      .post('/auth/mfa/totp')
      .set(csrf)
      .send({ currentPassword: 'wrong password, surely' })
      .expect(400);
    await session.agent.post('/auth/mfa/totp').send({ currentPassword: PASSWORD }).expect(403);
    await session.agent.post('/auth/mfa/totp').set(csrf).send({}).expect(400);

    const started = await session.agent
      .post('/auth/mfa/totp')
      .set(csrf)
      .send({ currentPassword: PASSWORD })
      .expect(201);
    const { secret, otpauthUrl } = started.body;
    assert.match(secret, /^[A-Z2-7]{32}$/, '160 bits of base32');
    const uri = new URL(otpauthUrl);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.ok(decodeURIComponent(uri.pathname).includes(email));

    // Pending: nothing changes at login yet.
    await session.agent.get('/auth/mfa').expect(200, { totp: false, recoveryCodesLeft: 0, passkeys: 0 });
    const plain = await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(200);
    assert.ok(plain.body.user && plain.body.csrfToken);

    await awayFromStepEdge();
    const wrong = totp(secret) === '000000' ? '111111' : '000000';
    await session.agent.post('/auth/mfa/totp/confirm').set(csrf).send({ code: wrong }).expect(400);
    const confirmed = await session.agent
      .post('/auth/mfa/totp/confirm')
      .set(csrf)
      .send({ code: totp(secret) })
      .expect(200);
    const codes: string[] = confirmed.body.recoveryCodes;
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[23456789ABCDEFGHJKMNPQRSTVWXYZ-]{10,}$/);
    await session.agent.get('/auth/mfa').expect(200, { totp: true, recoveryCodesLeft: 10, passkeys: 0 });
    await session.agent.post('/auth/mfa/totp').set(csrf).send({ currentPassword: PASSWORD }).expect(409);
    await session.agent
      .post('/auth/mfa/totp/confirm')
      .set(csrf)
      .send({ code: totp(secret) })
      .expect(400);

    const db = t.app.get(DataSource);
    const [row] = await db.query(`SELECT sealed_secret FROM auth_mfa_totp WHERE user_id = '${session.user.id}'`);
    assert.match(row.sealed_secret, /^v1\.[0-9a-f]{8}\./);
    assert.ok(!row.sealed_secret.includes(secret));
    const stored: Array<{ code_hash: string }> = await db.query(
      `SELECT code_hash FROM auth_mfa_recovery_codes WHERE user_id = '${session.user.id}'`,
    );
    assert.equal(stored.length, 10);
    const everything = JSON.stringify(stored);
    for (const code of codes) assert.ok(!everything.includes(code) && !everything.includes(code.replace(/-/g, '')));
  });

  it('asks for the second step at /auth/login and /auth/token with no cookie and no token, then logs in with a code', async () => {
    const user = await enrol(t.url);
    const first = await request(t.url).post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    assert.deepEqual(Object.keys(first.body).sort(), ['methods', 'mfaRequired', 'mfaToken']);
    assert.deepEqual(first.body.methods, ['totp', 'recovery']);
    assert.equal(first.headers['set-cookie'], undefined);
    const byToken = await request(t.url)
      .post('/auth/token')
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    assert.deepEqual(Object.keys(byToken.body).sort(), ['methods', 'mfaRequired', 'mfaToken']);
    assert.notEqual(byToken.body.mfaToken, first.body.mfaToken);

    const code = nextStepCode(user.secret);
    const finished = await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: first.body.mfaToken, code })
      .expect(200);
    assert.equal(finished.body.user.email, user.email);
    assert.ok(finished.body.csrfToken);
    await request(t.url).get('/auth/me').set('Cookie', sessionCookie(finished.headers['set-cookie'])).expect(200);
    // The token is spent by that success, whatever comes with it next.
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: first.body.mfaToken, recoveryCode: user.recoveryCodes[0] })
      .expect(401);

    const pair = await request(t.url)
      .post('/auth/token/mfa')
      .send({ mfaToken: byToken.body.mfaToken, recoveryCode: user.recoveryCodes[0] })
      .expect(200);
    assert.equal(pair.body.token_type, 'Bearer');
    assert.ok(pair.body.refresh_token);
    const me = await request(t.url)
      .get('/auth/me')
      .set('Authorization', `Bearer ${pair.body.access_token}`)
      .expect(200);
    assert.equal(me.body.user.email, user.email);
  });

  it('refuses the same code twice, a code from two steps ago or ahead, and answers 401 "Invalid code" alike', async () => {
    const user = await enrol(t.url);
    await awayFromStepEdge();
    const code = nextStepCode(user.secret);
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: await mfaTokenFor(t.url, user.email), code })
      .expect(200);

    const token = await mfaTokenFor(t.url, user.email);
    const again = await request(t.url).post('/auth/login/mfa').send({ mfaToken: token, code }).expect(401);
    assert.equal(again.body.message, 'Invalid code');
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: token, code: totp(user.secret, now() - 60) })
      .expect(401);
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: token, code: totp(user.secret, now() + 60) })
      .expect(401);
    const unknown = await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: randomBytes(32).toString('base64url'), code })
      .expect(401);
    assert.equal(unknown.body.message, 'Invalid code');
    await request(t.url).post('/auth/login/mfa').send({ mfaToken: token }).expect(400);
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: token, code, recoveryCode: user.recoveryCodes[0] })
      .expect(400);
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: token, code: { $ne: 1 } })
      .expect(400);
  });

  it('takes a recovery code once, audits its use, and counts down', async () => {
    const user = await enrol(t.url);
    const [recoveryCode] = user.recoveryCodes;
    const typed = recoveryCode.toLowerCase().replace(/-/g, ' ');
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: await mfaTokenFor(t.url, user.email), recoveryCode: typed })
      .expect(200);
    await user.agent.get('/auth/mfa').expect(200, { totp: true, recoveryCodesLeft: 9, passkeys: 0 });
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: await mfaTokenFor(t.url, user.email), recoveryCode })
      .expect(401);

    const admin = await login(t.url, adminEmail, PASSWORD, false);
    let events: Array<{ type: string; userId: string }> = [];
    for (let i = 0; i < 40 && !events.length; i++) {
      await sleep(100);
      events = (
        await admin.agent.get(`/auth/admin/audit?userId=${user.user.id}&type=mfa.recovery_code_used`).expect(200)
      ).body;
    }
    assert.equal(events.length, 1);
  });

  it('regenerating recovery codes needs the current password and voids the old set', async () => {
    const user = await enrol(t.url);
    const csrf = { 'X-CSRF-Token': user.csrfToken };
    await user.agent
      .post('/auth/mfa/recovery-codes')
      .set(csrf)
      .send({ currentPassword: 'not the password at all' })
      .expect(400);
    const fresh = await user.agent
      .post('/auth/mfa/recovery-codes')
      .set(csrf)
      .send({ currentPassword: PASSWORD })
      .expect(200);
    assert.equal(fresh.body.recoveryCodes.length, 10);
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: await mfaTokenFor(t.url, user.email), recoveryCode: user.recoveryCodes[1] })
      .expect(401);
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: await mfaTokenFor(t.url, user.email), recoveryCode: fresh.body.recoveryCodes[0] })
      .expect(200);
  });

  it('kills the mfaToken after 5 wrong codes, even for the right one next, and puts the account in back-off', async () => {
    const user = await enrol(t.url);
    const token = await mfaTokenFor(t.url, user.email);
    await awayFromStepEdge();
    const right = nextStepCode(user.secret);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      await request(t.url).post('/auth/login/mfa').send({ mfaToken: token, code: wrong }).expect(401);
    await request(t.url).post('/auth/login/mfa').send({ mfaToken: token, code: right }).expect(401);
    // The wrong codes counted toward the account's back-off: the right password now waits too.
    const locked = await request(t.url).post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(429);
    assert.ok(Number(locked.headers['retry-after']) > 0);
  });

  it('two successes racing on one mfaToken issue once', async () => {
    const user = await enrol(t.url);
    await awayFromStepEdge();
    const token = await mfaTokenFor(t.url, user.email);
    const answers = await Promise.all([
      request(t.url)
        .post('/auth/login/mfa')
        .send({ mfaToken: token, code: nextStepCode(user.secret) }),
      request(t.url).post('/auth/login/mfa').send({ mfaToken: token, recoveryCode: user.recoveryCodes[0] }),
      request(t.url).post('/auth/token/mfa').send({ mfaToken: token, recoveryCode: user.recoveryCodes[1] }),
    ]);
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 401, 401]);
  });

  it('turning TOTP off needs the current password and a code; the recovery codes go with it', async () => {
    const user = await enrol(t.url);
    const csrf = { 'X-CSRF-Token': user.csrfToken };
    await awayFromStepEdge();
    const code = nextStepCode(user.secret);
    await user.agent
      .delete('/auth/mfa/totp')
      .set(csrf)
      .send({ currentPassword: 'not the password at all', code })
      .expect(400);
    await user.agent
      .delete('/auth/mfa/totp')
      .set(csrf)
      .send({ currentPassword: PASSWORD, code: code === '000000' ? '111111' : '000000' })
      .expect(400);
    await user.agent.delete('/auth/mfa/totp').set(csrf).send({ currentPassword: PASSWORD }).expect(400);
    await user.agent.delete('/auth/mfa/totp').send({ currentPassword: PASSWORD, code }).expect(403);
    await user.agent.delete('/auth/mfa/totp').set(csrf).send({ currentPassword: PASSWORD, code }).expect(204);
    await user.agent.get('/auth/mfa').expect(200, { totp: false, recoveryCodesLeft: 0, passkeys: 0 });
    const plain = await request(t.url).post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    assert.ok(plain.body.csrfToken && !plain.body.mfaRequired);
    await user.agent.delete('/auth/mfa/totp').set(csrf).send({ currentPassword: PASSWORD, code }).expect(400);

    // With a lost device, a recovery code turns it off too.
    const other = await enrol(t.url);
    await other.agent
      .delete('/auth/mfa/totp')
      .set('X-CSRF-Token', other.csrfToken)
      .send({ currentPassword: PASSWORD, code: other.recoveryCodes[0] })
      .expect(204);
    await other.agent.get('/auth/mfa').expect(200, { totp: false, recoveryCodesLeft: 0, passkeys: 0 });
  });

  it('logout-all and admin disable end sessions and tokens that the second step issued', async () => {
    const user = await enrol(t.url);
    await awayFromStepEdge();
    const viaSession = await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: await mfaTokenFor(t.url, user.email), code: nextStepCode(user.secret) })
      .expect(200);
    const cookie = sessionCookie(viaSession.headers['set-cookie']);
    const pair = await request(t.url)
      .post('/auth/token/mfa')
      .send({ mfaToken: await mfaTokenFor(t.url, user.email, '/auth/token'), recoveryCode: user.recoveryCodes[0] })
      .expect(200);
    await request(t.url).get('/auth/me').set('Cookie', cookie).expect(200);
    await request(t.url)
      .post('/auth/logout-all')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', viaSession.body.csrfToken)
      .expect(204);
    await sleep(1100);
    await request(t.url).get('/auth/me').set('Cookie', cookie).expect(401);
    await request(t.url).get('/auth/me').set('Authorization', `Bearer ${pair.body.access_token}`).expect(401);
    await request(t.url).post('/auth/token/refresh').send({ refresh_token: pair.body.refresh_token }).expect(401);

    const again = await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: await mfaTokenFor(t.url, user.email), recoveryCode: user.recoveryCodes[1] })
      .expect(200);
    const againCookie = sessionCookie(again.headers['set-cookie']);
    const admin = await login(t.url, adminEmail, PASSWORD, false);
    await admin.agent
      .post(`/auth/admin/users/${user.user.id}/disable`)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    await sleep(1100);
    await request(t.url).get('/auth/me').set('Cookie', againCookie).expect(401);
    await admin.agent.post(`/auth/admin/users/${user.user.id}/enable`).set('X-CSRF-Token', admin.csrfToken).expect(204);
  });

  it('an mfaToken does not outlive a revocation between the two steps', async () => {
    const user = await enrol(t.url);
    const token = await mfaTokenFor(t.url, user.email);
    const tokenForPair = await mfaTokenFor(t.url, user.email, '/auth/token');
    await user.agent.post('/auth/logout-all').set('X-CSRF-Token', user.csrfToken).expect(204);
    const refused = await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: token, recoveryCode: user.recoveryCodes[0] })
      .expect(401);
    assert.equal(refused.body.message, 'Invalid code');
    await request(t.url)
      .post('/auth/token/mfa')
      .send({ mfaToken: tokenForPair, recoveryCode: user.recoveryCodes[1] })
      .expect(401);
    // A login begun after it works.
    await request(t.url)
      .post('/auth/login/mfa')
      .send({ mfaToken: await mfaTokenFor(t.url, user.email), recoveryCode: user.recoveryCodes[2] })
      .expect(200);
  });

  it('leaves users without MFA as they were, and MFA routes need a session or a token', async () => {
    const email = uniqueEmail('plain');
    await register(t.url, email);
    const response = await request(t.url).post('/auth/login').send({ email, password: PASSWORD }).expect(200);
    assert.deepEqual(Object.keys(response.body).sort(), ['csrfToken', 'user']);
    const pair = await request(t.url).post('/auth/token').send({ email, password: PASSWORD }).expect(200);
    assert.ok(pair.body.access_token);
    await request(t.url).get('/auth/mfa').expect(401);
    await request(t.url).post('/auth/mfa/totp').send({ currentPassword: PASSWORD }).expect(401);
    await request(t.url)
      .get('/auth/mfa')
      .set('Authorization', `Bearer ${pair.body.access_token}`)
      .expect(200, { totp: false, recoveryCodesLeft: 0, passkeys: 0 });
  });
});

describe(`MFA back-off (${storageMode})`, () => {
  let t: TestApp;

  before(async () => {
    t = await startApp({ LOCKOUT_THRESHOLD: '3', LOCKOUT_BASE_SECONDS: '1' });
  });
  after(() => t.close());

  it('wrong codes back off the second step, and a correct password does not reset that', async () => {
    const user = await enrol(t.url);
    await awayFromStepEdge();
    const right = nextStepCode(user.secret);
    const wrong = right === '000000' ? '111111' : '000000';
    const token = await mfaTokenFor(t.url, user.email);
    for (let i = 0; i < 3; i++)
      await request(t.url).post('/auth/login/mfa').send({ mfaToken: token, code: wrong }).expect(401);
    const limited = await request(t.url).post('/auth/login/mfa').send({ mfaToken: token, code: right }).expect(429);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    await request(t.url).post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(429);

    await sleep(1200);
    // The password is right and resets its own count; the codes' back-off carries on, doubling.
    const next = await mfaTokenFor(t.url, user.email);
    await request(t.url).post('/auth/login/mfa').send({ mfaToken: next, code: wrong }).expect(401);
    await request(t.url).post('/auth/login/mfa').send({ mfaToken: next, code: right }).expect(429);
    await sleep(2200);
    await request(t.url).post('/auth/login/mfa').send({ mfaToken: next, code: right }).expect(200);
  });
});

describe(
  `MFA across instances (${storageMode})`,
  { skip: !productionMode && 'embedded mode runs one instance' },
  () => {
    let first: TestApp;
    let second: ChildApp;
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-mfa-'));

    before(async () => {
      const shared = {
        DATA_DIR: dataDir,
        SESSION_SECRET: randomBytes(32).toString('hex'),
        MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        REDIS_KEY_PREFIX: `mfa-${randomBytes(6).toString('hex')}:`,
      };
      first = await startApp(shared);
      second = await startAppProcess(shared);
    });
    after(async () => {
      await second?.close();
      await first?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('an mfaToken from one instance finishes on another, once', async () => {
      const user = await enrol(first.url);
      await awayFromStepEdge();
      const token = await mfaTokenFor(first.url, user.email);
      const code = nextStepCode(user.secret);
      await request(second.url).post('/auth/login/mfa').send({ mfaToken: token, code }).expect(200);
      await request(first.url)
        .post('/auth/login/mfa')
        .send({ mfaToken: token, recoveryCode: user.recoveryCodes[0] })
        .expect(401);
      const pairToken = await mfaTokenFor(second.url, user.email, '/auth/token');
      await request(first.url)
        .post('/auth/token/mfa')
        .send({ mfaToken: pairToken, recoveryCode: user.recoveryCodes[0] })
        .expect(200);
    });
  },
);
