import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import {
  login,
  LoggedIn,
  PASSWORD,
  register,
  sessionCookie,
  startApp,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';

const RACES = 30;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Logins, refreshes and revocations sent at once, many times, with the login a little earlier or
 * later each time: whatever the interleaving, a credential issued by a login or refresh that began
 * before the revocation ended never works after it.
 */
describe(`a login or refresh racing a revocation does not outlive it (${storageMode})`, () => {
  let t: TestApp;
  let admin: LoggedIn;
  const adminEmail = uniqueEmail('admin');
  before(async () => {
    t = await startApp({
      LOCKOUT_THRESHOLD: '100000',
      AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
    admin = await login(t.url, adminEmail, PASSWORD, false);
  });
  after(() => t.close());

  const profile = (headers: Record<string, string>) => request(t.url).get('/examples/profile').set(headers);

  /**
   * Logs in with a session and with a token pair while the revocation runs: the logins start
   * `offsetMs` after it (before it, when negative). Answers how many logins got through and what of
   * theirs still works afterwards.
   */
  async function raceLogins(
    email: string,
    offsetMs: number,
    revoke: () => Promise<unknown>,
  ): Promise<{ won: number; survivors: string[] }> {
    const loginDelay = Math.max(0, offsetMs);
    const [session, tokens] = await Promise.all([
      sleep(loginDelay).then(() => request(t.url).post('/auth/login').send({ email, password: PASSWORD })),
      sleep(loginDelay).then(() => request(t.url).post('/auth/token').send({ email, password: PASSWORD })),
      sleep(Math.max(0, -offsetMs)).then(revoke),
    ]);
    const survivors: string[] = [];
    let won = 0;
    if (session.status === 200) {
      won++;
      if ((await profile({ Cookie: sessionCookie(session.headers['set-cookie']) })).status !== 401)
        survivors.push('session');
    }
    if (tokens.status === 200) {
      won++;
      if ((await profile({ Authorization: `Bearer ${tokens.body.access_token}` })).status !== 401)
        survivors.push('access token');
      if (
        (await request(t.url).post('/auth/token/refresh').send({ refresh_token: tokens.body.refresh_token })).status !==
        401
      ) {
        survivors.push('refresh token');
      }
    }
    for (const answer of [session, tokens])
      assert.ok([200, 401].includes(answer.status), `a racing login answered ${answer.status}`);
    return { won, survivors };
  }

  it(`a password change: no login with the old password that ran during it keeps a credential (${RACES} races)`, async () => {
    let won = 0;
    const survivors: string[] = [];
    for (let race = 0; race < RACES; race++) {
      const email = uniqueEmail('race');
      const changer = await login(t.url, email);
      // The change checks the current password and hashes the new one (two argon2 runs): the logins start up to 36 ms into it.
      const outcome = await raceLogins(email, (race % 10) * 6 - 18, () =>
        changer.agent
          .post('/auth/password')
          .set('X-CSRF-Token', changer.csrfToken)
          .send({ currentPassword: PASSWORD, newPassword: 'the new passphrase here' })
          .expect(204),
      );
      won += outcome.won;
      survivors.push(...outcome.survivors);
    }
    assert.deepEqual(survivors, []);
    // The old password was still good when these logins read it: the race did happen.
    assert.ok(won > 0, 'no login read the old password in time: the races did not overlap');
  });

  it(`disabling the user: no login that ran during it keeps a credential (${RACES} races)`, async () => {
    let won = 0;
    const survivors: string[] = [];
    for (let race = 0; race < RACES; race++) {
      const { id, email } = await register(t.url, uniqueEmail('race'));
      // Disabling is quick, the logins' password check is not: the disable starts up to 90 ms after them.
      const outcome = await raceLogins(email, -(race % 10) * 10, () =>
        admin.agent.post(`/auth/admin/users/${id}/disable`).set('X-CSRF-Token', admin.csrfToken).expect(204),
      );
      won += outcome.won;
      survivors.push(...outcome.survivors);
    }
    assert.deepEqual(survivors, []);
    assert.ok(won > 0, 'no login finished its password check before the disable: the races did not overlap');
  });

  it(`revoking a family: a refresh that ran during it leaves no working token (${RACES} races)`, async () => {
    const survivors: string[] = [];
    let won = 0;
    for (let race = 0; race < RACES; race++) {
      const { email } = await register(t.url, uniqueEmail('race'));
      const first = (await request(t.url).post('/auth/token').send({ email, password: PASSWORD }).expect(200)).body;
      const [refreshed] = await Promise.all([
        request(t.url).post('/auth/token/refresh').send({ refresh_token: first.refresh_token }),
        sleep(race % 6).then(() =>
          request(t.url).post('/auth/token/revoke').send({ refresh_token: first.refresh_token }).expect(200),
        ),
      ]);
      if (refreshed.status !== 200) continue;
      won++;
      await sleep(50);
      if ((await profile({ Authorization: `Bearer ${refreshed.body.access_token}` })).status !== 401)
        survivors.push('access token');
      if (
        (await request(t.url).post('/auth/token/refresh').send({ refresh_token: refreshed.body.refresh_token }))
          .status !== 401
      ) {
        survivors.push('refresh token');
      }
    }
    assert.deepEqual(survivors, []);
    assert.ok(won > 0, 'no refresh got in before the revocation: the races did not overlap');
  });
});
