import assert from 'node:assert/strict';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Strategy as PassportJwtStrategy } from 'passport-jwt';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditLog } from '../src/auth/audit/audit-log.service';
import { AccountsService } from '../src/auth';
import { sha256Hex } from '../src/auth/core/secrets';
import { RefreshTokenFamily } from '../src/auth/jwt/refresh-token-family.entity';
import { Env } from '../src/config/app.config';
import {
  ChildApp,
  login,
  PASSWORD,
  productionMode,
  register,
  startApp,
  startAppProcess,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';
import { craft, decodeSegment, newEcKeyPem, newRsaKeyPem, TokenResponse, tokensFor } from './support/tokens';

const GENERIC_401 = { statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' };
const INVALID_GRANT = { statusCode: 401, error: 'invalid_grant', message: 'Invalid refresh token' };
const NO_LIMITS: Env = { THROTTLE_AUTH_LIMIT: '100000', LOCKOUT_THRESHOLD: '100000' };
const now = () => Math.floor(Date.now() / 1000);

async function expectRefused(url: string, authorization: string, path = '/examples/profile'): Promise<void> {
  const response = await request(url).get(path).set('Authorization', authorization);
  assert.equal(response.status, 401, `expected 401 for ${authorization.slice(0, 80)}, got ${response.status}`);
  assert.deepEqual(response.body, GENERIC_401);
  assert.equal(response.headers['www-authenticate'], 'Bearer error="invalid_token"');
}

async function profileStatus(url: string, accessToken: string): Promise<number> {
  return (await request(url).get('/examples/profile').set('Authorization', `Bearer ${accessToken}`)).status;
}

/** Polls until the access token is refused, for at most `withinMs`; returns how long it took. */
async function refusedWithin(url: string, accessToken: string, withinMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start <= withinMs) {
    if ((await profileStatus(url, accessToken)) === 401) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`token still accepted after ${withinMs} ms`);
}

const BACKGROUND_TABLES = ['auth_revocation_events', 'auth_mail_queue', 'auth_webhook_deliveries'];

describe(`JWT access tokens and refresh tokens (${storageMode})`, () => {
  const key = newEcKeyPem();
  let t: TestApp;
  let kid: string;
  const ours = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    craft({ alg: 'ES256', typ: 'at+jwt', kid, ...header }, claims, { alg: 'ES256', privateKey: key.privateKey });
  const claimsFor = (sub: string, sid: string, extra: Record<string, unknown> = {}) => ({
    iss: 'nest-auth',
    aud: 'nest-auth-api',
    sub,
    jti: 'j-1',
    sid,
    iat: now(),
    exp: now() + 300,
    email: 'forged@example.com',
    roles: ['user'],
    ...extra,
  });

  before(async () => {
    t = await startApp({ ...NO_LIMITS, JWT_PRIVATE_KEY: key.privateKey });
    kid = (await request(t.url).get('/.well-known/jwks.json').expect(200)).body.keys[0].kid;
  });
  after(() => t.close());

  describe('POST /auth/token', () => {
    it('answers a token pair whose access token carries the contract header and claims', async () => {
      const email = uniqueEmail();
      const user = await register(t.url, email);
      const response = await request(t.url).post('/auth/token').send({ email, password: PASSWORD }).expect(200);
      assert.deepEqual(Object.keys(response.body).sort(), [
        'access_token',
        'expires_in',
        'refresh_expires_in',
        'refresh_token',
        'token_type',
      ]);
      assert.equal(response.body.token_type, 'Bearer');
      assert.ok(response.body.expires_in >= 899 && response.body.expires_in <= 901);
      assert.ok(response.body.refresh_expires_in >= 2_591_990 && response.body.refresh_expires_in <= 2_592_000);
      assert.match(response.headers['cache-control'], /no-store/);
      assert.match(response.body.refresh_token, /^[A-Za-z0-9_-]{43,}$/);

      const header = decodeSegment(response.body.access_token, 0);
      assert.deepEqual(header, { alg: 'ES256', typ: 'at+jwt', kid });
      const claims = decodeSegment(response.body.access_token, 1);
      for (const name of ['iss', 'aud', 'sub', 'jti', 'sid', 'iat', 'exp']) assert.ok(name in claims, name);
      assert.equal(claims.iss, 'nest-auth');
      assert.equal(claims.aud, 'nest-auth-api');
      assert.equal(claims.sub, user.id);
      assert.equal(Number(claims.exp) - Number(claims.iat), 900);
    });

    it('gives the login 401 for an unknown email, a wrong password and a disabled account alike', async () => {
      const email = uniqueEmail();
      const disabled = uniqueEmail();
      await register(t.url, email);
      const { id } = await register(t.url, disabled);
      await t.app.get(AccountsService).disable(id);
      for (const body of [
        { email: uniqueEmail(), password: PASSWORD },
        { email, password: `${PASSWORD}!` },
        { email: disabled, password: PASSWORD },
      ]) {
        const response = await request(t.url).post('/auth/token').send(body).expect(401);
        assert.deepEqual(response.body, {
          statusCode: 401,
          message: 'Invalid email or password',
          error: 'Unauthorized',
        });
      }
    });

    it('answers 400 to a malformed body', async () => {
      await request(t.url).post('/auth/token').send({ email: uniqueEmail() }).expect(400);
      await request(t.url)
        .post('/auth/token')
        .send({ email: uniqueEmail(), password: { $ne: '' } })
        .expect(400);
    });
  });

  describe('authenticating with an access token', () => {
    it('lets the bearer reach session-or-jwt routes as via "jwt", and not API-key routes', async () => {
      const tokens = await tokensFor(t.url);
      const profile = await request(t.url)
        .get('/examples/profile')
        .set('Authorization', `Bearer ${tokens.access_token}`)
        .expect(200);
      assert.deepEqual(profile.body, { ok: true, user: { id: tokens.userId, email: tokens.email }, via: 'jwt' });
      const me = await request(t.url).get('/auth/me').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
      assert.equal(me.body.via, 'jwt');
      await request(t.url).get('/examples/admin').set('Authorization', `Bearer ${tokens.access_token}`).expect(403);
      await request(t.url).get('/examples/reports').set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    });

    it('ignores a token in the query string', async () => {
      const tokens = await tokensFor(t.url);
      await request(t.url).get(`/examples/profile?access_token=${tokens.access_token}`).expect(401);
      await request(t.url).get(`/examples/profile?token=${tokens.access_token}`).expect(401);
    });

    it('verifies a token seen before without a SQL query and without another signature check', async () => {
      const tokens = await tokensFor(t.url);
      const dataSource = t.app.get(DataSource);
      const queries: string[] = [];
      const logQuery = dataSource.logger.logQuery.bind(dataSource.logger);
      dataSource.logger.logQuery = (query, parameters, runner) => {
        // Timers read the revocation log, the mail queue and the webhook outbox, off every request's path.
        if (!BACKGROUND_TABLES.some((table) => query.includes(table))) queries.push(query);
        return logQuery(query, parameters, runner);
      };
      // passport-jwt's documented seam for tests: the function that verifies a token's signature and claims.
      const strategyClass = PassportJwtStrategy as unknown as { JwtVerifier: (...args: unknown[]) => unknown };
      const verifier = strategyClass.JwtVerifier;
      let verifications = 0;
      strategyClass.JwtVerifier = (...args: unknown[]) => {
        verifications++;
        return verifier(...args);
      };
      try {
        assert.equal(await profileStatus(t.url, tokens.access_token), 200);
        assert.equal(verifications, 1);
        // The audit trail of the login above is written by a background batch; let it land before counting.
        await t.app.get(AuditLog).flush();
        queries.length = 0;
        for (let i = 0; i < 5; i++) assert.equal(await profileStatus(t.url, tokens.access_token), 200);
        assert.deepEqual(queries, []);
        assert.equal(verifications, 1);
      } finally {
        dataSource.logger.logQuery = logQuery;
        strategyClass.JwtVerifier = verifier;
      }
    });
  });

  describe('refused access tokens: 401, WWW-Authenticate, one generic body, never 5xx', () => {
    let tokens: TokenResponse & { userId: string };
    let claims: Record<string, unknown>;
    before(async () => {
      tokens = await tokensFor(t.url);
      claims = decodeSegment(tokens.access_token, 1);
    });

    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      it(`alg "${alg}"`, async () => {
        await expectRefused(t.url, `Bearer ${craft({ alg, typ: 'at+jwt', kid }, claims, null)}`);
        await expectRefused(t.url, `Bearer ${craft({ alg, typ: 'at+jwt' }, claims, null)}`);
      });
    }

    it('HS256 signed with our public key (algorithm confusion)', async () => {
      const jwk = (await request(t.url).get('/.well-known/jwks.json')).body.keys[0];
      const publicPem = createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
      await expectRefused(
        t.url,
        `Bearer ${craft({ alg: 'HS256', typ: 'at+jwt', kid }, claims, { alg: 'HS256', secret: publicPem })}`,
      );
      await expectRefused(
        t.url,
        `Bearer ${craft({ alg: 'HS256', typ: 'at+jwt', kid }, claims, { alg: 'HS256', secret: key.publicKey })}`,
      );
    });

    it('a foreign key with our kid, and a foreign key sent along in jwk or jku', async () => {
      const foreign = newEcKeyPem();
      const signWith = (header: Record<string, unknown>) =>
        craft({ alg: 'ES256', typ: 'at+jwt', ...header }, claims, { alg: 'ES256', privateKey: foreign.privateKey });
      await expectRefused(t.url, `Bearer ${signWith({ kid })}`);
      const foreignJwk = createPublicKey(foreign.publicKey).export({ format: 'jwk' });
      await expectRefused(t.url, `Bearer ${signWith({ kid, jwk: foreignJwk })}`);
      await expectRefused(t.url, `Bearer ${signWith({ jwk: foreignJwk })}`);
      await expectRefused(t.url, `Bearer ${signWith({ kid, jku: 'https://attacker.example/jwks.json' })}`);
      await expectRefused(t.url, `Bearer ${signWith({ kid: 'unknown' })}`);
    });

    it('key material in the header refuses even a token signed with our key', async () => {
      await expectRefused(t.url, `Bearer ${ours(claims, { x5u: 'https://attacker.example/cert' })}`);
      await expectRefused(t.url, `Bearer ${ours(claims, { jku: 'https://attacker.example/jwks.json' })}`);
    });

    it('a modified payload and a truncated or missing signature', async () => {
      const [header, , signature] = tokens.access_token.split('.');
      const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
      await expectRefused(t.url, `Bearer ${header}.${elevated}.${signature}`);
      await expectRefused(t.url, `Bearer ${tokens.access_token.slice(0, -10)}`);
      await expectRefused(t.url, `Bearer ${header}.${tokens.access_token.split('.')[1]}.`);
    });

    it('a wrong or missing typ, even when signed with our key', async () => {
      await expectRefused(t.url, `Bearer ${ours(claims, { typ: 'JWT' })}`);
      await expectRefused(t.url, `Bearer ${ours(claims, { typ: undefined })}`);
      await expectRefused(t.url, `Bearer ${ours(claims, { typ: 'refresh+jwt' })}`);
    });

    it('the refresh token used as an access token', async () => {
      await expectRefused(t.url, `Bearer ${tokens.refresh_token}`);
    });

    it('expired, not yet valid, issued in the future, over-long, wrong iss or aud, missing claims', async () => {
      const sub = String(claims.sub);
      const sid = String(claims.sid);
      for (const forged of [
        claimsFor(sub, sid, { iat: now() - 1000, exp: now() - 60 }),
        claimsFor(sub, sid, { nbf: now() + 600 }),
        claimsFor(sub, sid, { iat: now() + 600, exp: now() + 900 }),
        claimsFor(sub, sid, { exp: now() + 86_400 }),
        claimsFor(sub, sid, { iss: 'someone-else' }),
        claimsFor(sub, sid, { aud: 'another-api' }),
        claimsFor(sub, sid, { sid: undefined }),
        claimsFor(sub, sid, { exp: undefined }),
        claimsFor(sub, sid, { roles: 'admin' }),
      ]) {
        await expectRefused(t.url, `Bearer ${ours(forged)}`).catch((error) =>
          assert.fail(`${JSON.stringify(forged)}: ${error}`),
        );
      }
      // The same construction with valid claims passes, so the refusals above are for the claim under test.
      const valid = await request(t.url)
        .get('/examples/profile')
        .set('Authorization', `Bearer ${ours(claimsFor(sub, sid))}`);
      assert.equal(valid.status, 200);
    });

    it('malformed tokens of every shape', async () => {
      const [header, payload, signature] = tokens.access_token.split('.');
      for (const malformed of [
        'abc',
        `${header}.${payload}`,
        `${header}.${payload}.${signature}.${signature}`,
        `..`,
        `${header}..${signature}`,
        '%%%.@@@.###',
        `${header}.${payload}.${signature}`.replace(/[A-Z]/g, '*'),
        `${Buffer.from('not json').toString('base64url')}.${payload}.${signature}`,
        `${Buffer.from('[1,2]').toString('base64url')}.${payload}.${signature}`,
        ours([1, 2, 3] as unknown as Record<string, unknown>),
        ours('"just a string"' as unknown as Record<string, unknown>),
        ours(null as unknown as Record<string, unknown>),
        ours(claims, { padding: 'x'.repeat(6000) }),
        'x'.repeat(10_000),
      ]) {
        await expectRefused(t.url, `Bearer ${malformed}`);
      }
      for (const authorization of [
        'Bearer',
        'Bearer ',
        'bearer  ',
        `Bearer ${tokens.access_token} extra`,
        `Bearer  ${header}`,
      ]) {
        await expectRefused(t.url, authorization);
      }
    });

    it('answers without WWW-Authenticate when no bearer token was sent', async () => {
      const response = await request(t.url).get('/examples/profile').expect(401);
      assert.equal(response.headers['www-authenticate'], undefined);
      assert.deepEqual(response.body, GENERIC_401);
    });
  });

  describe('JWKS', () => {
    it('publishes the public key with kid, alg and use, never private parts, and verifies our tokens', async () => {
      const response = await request(t.url).get('/.well-known/jwks.json').expect(200);
      assert.equal(response.body.keys.length, 1);
      const [jwk] = response.body.keys;
      assert.equal(jwk.kty, 'EC');
      assert.equal(jwk.crv, 'P-256');
      assert.equal(jwk.alg, 'ES256');
      assert.equal(jwk.use, 'sig');
      assert.equal(jwk.d, undefined);
      const tokens = await tokensFor(t.url);
      const [header, payload, signature] = tokens.access_token.split('.');
      const valid = verifySignature(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      );
      assert.ok(valid);
    });
  });

  describe('refresh tokens', () => {
    it('rotates: a new pair in the same family, with the family expiry kept', async () => {
      const first = await tokensFor(t.url);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const second = await request(t.url)
        .post('/auth/token/refresh')
        .send({ refresh_token: first.refresh_token })
        .expect(200);
      assert.notEqual(second.body.refresh_token, first.refresh_token);
      assert.notEqual(second.body.access_token, first.access_token);
      assert.equal(decodeSegment(second.body.access_token, 1).sid, decodeSegment(first.access_token, 1).sid);
      assert.ok(second.body.refresh_expires_in < first.refresh_expires_in);
      assert.equal(await profileStatus(t.url, second.body.access_token), 200);
      const third = await request(t.url)
        .post('/auth/token/refresh')
        .send({ refresh_token: second.body.refresh_token })
        .expect(200);
      assert.equal(await profileStatus(t.url, third.body.access_token), 200);
    });

    it('stores refresh tokens only as SHA-256 hashes', async () => {
      const tokens = await tokensFor(t.url);
      const rows = await t.app.get(DataSource).query('SELECT * FROM auth_refresh_tokens');
      const text = JSON.stringify(rows);
      assert.ok(!text.includes(tokens.refresh_token));
      assert.ok(text.includes(sha256Hex(tokens.refresh_token)));
    });

    it('gives the same invalid_grant for unknown, spent, revoked and expired tokens', async () => {
      const spent = await tokensFor(t.url, uniqueEmail());
      await request(t.url).post('/auth/token/refresh').send({ refresh_token: spent.refresh_token }).expect(200);
      const revoked = await tokensFor(t.url);
      await request(t.url).post('/auth/token/revoke').send({ refresh_token: revoked.refresh_token }).expect(200);
      const expired = await tokensFor(t.url);
      await t.app
        .get(DataSource)
        .getRepository(RefreshTokenFamily)
        .update({ id: String(decodeSegment(expired.access_token, 1).sid) }, { expiresAt: new Date(Date.now() - 1000) });
      for (const refreshToken of [
        'unknown-token',
        spent.refresh_token,
        revoked.refresh_token,
        expired.refresh_token,
        spent.access_token,
      ]) {
        const response = await request(t.url)
          .post('/auth/token/refresh')
          .send({ refresh_token: refreshToken })
          .expect(401);
        assert.deepEqual(response.body, INVALID_GRANT);
      }
      await request(t.url).post('/auth/token/refresh').send({}).expect(400);
      await request(t.url).post('/auth/token/refresh').send({ refresh_token: 42 }).expect(400);
    });

    it('revokes the whole family when a spent token is presented again (reuse detection)', async () => {
      const first = await tokensFor(t.url);
      const second = (
        await request(t.url).post('/auth/token/refresh').send({ refresh_token: first.refresh_token }).expect(200)
      ).body;
      assert.equal(await profileStatus(t.url, second.access_token), 200);
      await request(t.url).post('/auth/token/refresh').send({ refresh_token: first.refresh_token }).expect(401);
      const newest = await request(t.url)
        .post('/auth/token/refresh')
        .send({ refresh_token: second.refresh_token })
        .expect(401);
      assert.deepEqual(newest.body, INVALID_GRANT);
      assert.equal(await profileStatus(t.url, second.access_token), 401);
      assert.equal(await profileStatus(t.url, first.access_token), 401);
    });

    it('lets exactly one of many concurrent refreshes of one token succeed', async () => {
      const tokens = await tokensFor(t.url);
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          request(t.url).post('/auth/token/refresh').send({ refresh_token: tokens.refresh_token }),
        ),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      assert.deepEqual(statuses, [200, ...Array(11).fill(401)]);
      for (const answer of answers.filter((a) => a.status === 401)) assert.deepEqual(answer.body, INVALID_GRANT);
    });

    it('revoke answers 200 for anything well-formed, and ends the family with its access tokens', async () => {
      const tokens = await tokensFor(t.url);
      assert.equal(await profileStatus(t.url, tokens.access_token), 200);
      const response = await request(t.url)
        .post('/auth/token/revoke')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      assert.deepEqual(response.body, {});
      assert.equal(await profileStatus(t.url, tokens.access_token), 401);
      await request(t.url).post('/auth/token/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
      await request(t.url).post('/auth/token/revoke').send({ refresh_token: tokens.refresh_token }).expect(200);
      await request(t.url).post('/auth/token/revoke').send({ refresh_token: 'never-issued' }).expect(200);
      await request(t.url).post('/auth/token/revoke').send({}).expect(400);
      await request(t.url)
        .post('/auth/token/revoke')
        .send({ refresh_token: ['a'] })
        .expect(400);
    });
  });

  describe('revocation of access tokens', () => {
    it('logout-all by bearer ends every family and access token of the user, and a new login works at once', async () => {
      const email = uniqueEmail();
      const phone = await tokensFor(t.url, email);
      const tablet = await tokensFor(t.url, email, false);
      const session = await login(t.url, email, PASSWORD, false);
      const stranger = await tokensFor(t.url);
      await request(t.url).post('/auth/logout-all').set('Authorization', `Bearer ${phone.access_token}`).expect(204);
      assert.equal(await profileStatus(t.url, phone.access_token), 401);
      assert.equal(await profileStatus(t.url, tablet.access_token), 401);
      await session.agent.get('/examples/profile').expect(401);
      await request(t.url).post('/auth/token/refresh').send({ refresh_token: tablet.refresh_token }).expect(401);
      assert.equal(await profileStatus(t.url, stranger.access_token), 200);
      const again = await tokensFor(t.url, email, false);
      assert.equal(await profileStatus(t.url, again.access_token), 200);
    });

    it('logout-all by session ends the user access tokens too', async () => {
      const email = uniqueEmail();
      const tokens = await tokensFor(t.url, email);
      const session = await login(t.url, email, PASSWORD, false);
      await session.agent.post('/auth/logout-all').set('X-CSRF-Token', session.csrfToken).expect(204);
      assert.equal(await profileStatus(t.url, tokens.access_token), 401);
    });

    it('ending everything (password change) and a disabled user refuse access tokens at once', async () => {
      const changed = await tokensFor(t.url);
      assert.equal(await profileStatus(t.url, changed.access_token), 200);
      await t.app.get(AccountsService).endEverything(changed.userId);
      assert.equal(await profileStatus(t.url, changed.access_token), 401);

      const disabled = await tokensFor(t.url);
      assert.equal(await profileStatus(t.url, disabled.access_token), 200);
      await t.app.get(AccountsService).disable(disabled.userId);
      assert.equal(await profileStatus(t.url, disabled.access_token), 401);
      await request(t.url).post('/auth/token/refresh').send({ refresh_token: disabled.refresh_token }).expect(401);
    });
  });

  describe('restart', () => {
    it('a restarted instance still refuses tokens revoked before it started', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-jwt-'));
      const env: Env = {
        ...NO_LIMITS,
        DATA_DIR: dataDir,
        JWT_PRIVATE_KEY: key.privateKey,
        REDIS_KEY_PREFIX: `jwt-restart-${Date.now()}:`,
      };
      try {
        const first = await startApp(env);
        const revokedUser = await tokensFor(first.url);
        const revokedFamily = await tokensFor(first.url);
        const kept = await tokensFor(first.url);
        await first.app.get(AccountsService).endEverything(revokedUser.userId);
        await request(first.url)
          .post('/auth/token/revoke')
          .send({ refresh_token: revokedFamily.refresh_token })
          .expect(200);
        await first.close();

        const second = await startApp(env);
        try {
          assert.equal(await profileStatus(second.url, revokedUser.access_token), 401);
          assert.equal(await profileStatus(second.url, revokedFamily.access_token), 401);
          assert.equal(await profileStatus(second.url, kept.access_token), 200);
        } finally {
          await second.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});

describe(`JWT signing configurations and key rotation (${storageMode})`, () => {
  it('RS256: tokens signed and verified with RSA, JWKS lists the RSA key', async () => {
    const rsa = newRsaKeyPem();
    const app = await startApp({ ...NO_LIMITS, JWT_ALG: 'RS256', JWT_PRIVATE_KEY: rsa.privateKey });
    try {
      const tokens = await tokensFor(app.url);
      assert.equal(decodeSegment(tokens.access_token, 0).alg, 'RS256');
      assert.equal(await profileStatus(app.url, tokens.access_token), 200);
      const jwks = (await request(app.url).get('/.well-known/jwks.json').expect(200)).body;
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0].kty, 'RSA');
      assert.equal(jwks.keys[0].alg, 'RS256');
      assert.equal(jwks.keys[0].kid, decodeSegment(tokens.access_token, 0).kid);
      const claims = decodeSegment(tokens.access_token, 1);
      const hsWithPublicKey = craft({ alg: 'HS256', typ: 'at+jwt', kid: jwks.keys[0].kid }, claims, {
        alg: 'HS256',
        secret: rsa.publicKey,
      });
      await expectRefused(app.url, `Bearer ${hsWithPublicKey}`);
      const es = craft({ alg: 'ES256', typ: 'at+jwt', kid: jwks.keys[0].kid }, claims, {
        alg: 'ES256',
        privateKey: newEcKeyPem().privateKey,
      });
      await expectRefused(app.url, `Bearer ${es}`);
    } finally {
      await app.close();
    }
  });

  it('HS256: tokens verify with the secret, the JWKS is empty, and other algorithms are refused', async () => {
    const secret = 'k'.repeat(16) + Math.random().toString(36).repeat(4);
    const app = await startApp({ ...NO_LIMITS, JWT_ALG: 'HS256', JWT_SECRET: secret });
    try {
      const tokens = await tokensFor(app.url);
      const header = decodeSegment(tokens.access_token, 0);
      assert.equal(header.alg, 'HS256');
      assert.equal(typeof header.kid, 'string');
      assert.equal(await profileStatus(app.url, tokens.access_token), 200);
      assert.deepEqual((await request(app.url).get('/.well-known/jwks.json').expect(200)).body, { keys: [] });
      const claims = decodeSegment(tokens.access_token, 1);
      const rewrapped = craft({ alg: 'HS384', typ: 'at+jwt', kid: header.kid }, claims, { alg: 'HS256', secret });
      await expectRefused(app.url, `Bearer ${rewrapped}`);
      await expectRefused(
        app.url,
        `Bearer ${craft({ alg: 'HS256', typ: 'at+jwt', kid: header.kid }, claims, { alg: 'HS256', secret: `${secret}x` })}`,
      );
      assert.equal(
        await profileStatus(
          app.url,
          craft({ alg: 'HS256', typ: 'at+jwt', kid: header.kid }, claims, { alg: 'HS256', secret }),
        ),
        200,
      );
    } finally {
      await app.close();
    }
  });

  it('key rotation: tokens of the previous key keep verifying, new tokens use the new key, JWKS lists both', async () => {
    const previous = newEcKeyPem();
    const next = newEcKeyPem();
    const before = await startApp({ ...NO_LIMITS, JWT_PRIVATE_KEY: previous.privateKey });
    let oldToken: string;
    let oldKid: string;
    try {
      oldToken = (await tokensFor(before.url)).access_token;
      oldKid = String(decodeSegment(oldToken, 0).kid);
    } finally {
      await before.close();
    }
    const rotated = await startApp({
      ...NO_LIMITS,
      JWT_PRIVATE_KEY: next.privateKey,
      JWT_PREVIOUS_PUBLIC_KEYS: previous.publicKey,
    });
    try {
      assert.equal(await profileStatus(rotated.url, oldToken), 200);
      const fresh = await tokensFor(rotated.url);
      const newKid = String(decodeSegment(fresh.access_token, 0).kid);
      assert.notEqual(newKid, oldKid);
      assert.equal(await profileStatus(rotated.url, fresh.access_token), 200);
      const kids = (await request(rotated.url).get('/.well-known/jwks.json').expect(200)).body.keys
        .map((k: { kid: string }) => k.kid)
        .sort();
      assert.deepEqual(kids, [newKid, oldKid].sort());
    } finally {
      await rotated.close();
    }
    const retired = await startApp({ ...NO_LIMITS, JWT_PRIVATE_KEY: next.privateKey });
    try {
      await expectRefused(retired.url, `Bearer ${oldToken}`);
    } finally {
      await retired.close();
    }
  });
});

describe(
  'JWT revocation across instances (postgres+redis)',
  { skip: !productionMode && 'needs DATABASE_URL and REDIS_URL' },
  () => {
    const key = newEcKeyPem();
    let a: TestApp;
    let b: ChildApp;
    before(async () => {
      const shared: Env = {
        ...NO_LIMITS,
        JWT_PRIVATE_KEY: key.privateKey,
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'test:'}jwt-pair-${Date.now()}:`,
      };
      a = await startApp(shared);
      b = await startAppProcess(shared);
    });
    after(async () => {
      await a.close();
      await b.close();
    });

    it('a family revoked on one instance is refused by the other within one second', async () => {
      const tokens = await tokensFor(a.url);
      assert.equal(await profileStatus(b.url, tokens.access_token), 200);
      await request(a.url).post('/auth/token/revoke').send({ refresh_token: tokens.refresh_token }).expect(200);
      const tookMs = await refusedWithin(b.url, tokens.access_token, 1000);
      assert.ok(tookMs <= 1000);
    });

    it('logout-all on one instance is refused by the other within one second', async () => {
      const tokens = await tokensFor(a.url);
      assert.equal(await profileStatus(b.url, tokens.access_token), 200);
      await request(a.url).post('/auth/logout-all').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
      await refusedWithin(b.url, tokens.access_token, 1000);
    });

    it('reuse detected on one instance ends the family on the other within one second', async () => {
      const first = await tokensFor(a.url);
      const second = (
        await request(b.url).post('/auth/token/refresh').send({ refresh_token: first.refresh_token }).expect(200)
      ).body;
      assert.equal(await profileStatus(b.url, second.access_token), 200);
      await request(a.url).post('/auth/token/refresh').send({ refresh_token: first.refresh_token }).expect(401);
      await refusedWithin(b.url, second.access_token, 1000);
    });

    it('disabling a user on one instance refuses their tokens on the other within one second', async () => {
      const tokens = await tokensFor(a.url);
      assert.equal(await profileStatus(b.url, tokens.access_token), 200);
      await a.app.get(AccountsService).disable(tokens.userId);
      await refusedWithin(b.url, tokens.access_token, 1000);
    });
  },
);

describe(`refresh-token reuse grace window (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ ...NO_LIMITS, REFRESH_REUSE_GRACE_SECONDS: '30' });
  });
  after(() => t.close());

  it('refuses a token presented again within the grace window without ending its family', async () => {
    const first = await tokensFor(t.url);
    const second = (
      await request(t.url).post('/auth/token/refresh').send({ refresh_token: first.refresh_token }).expect(200)
    ).body;
    const again = await request(t.url)
      .post('/auth/token/refresh')
      .send({ refresh_token: first.refresh_token })
      .expect(401);
    assert.deepEqual(again.body, INVALID_GRANT);
    assert.equal(await profileStatus(t.url, second.access_token), 200);
    await request(t.url).post('/auth/token/refresh').send({ refresh_token: second.refresh_token }).expect(200);
  });

  it('of concurrent refreshes exactly one wins, and its new pair stays usable', async () => {
    const tokens = await tokensFor(t.url);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        request(t.url).post('/auth/token/refresh').send({ refresh_token: tokens.refresh_token }),
      ),
    );
    const winners = answers.filter((answer) => answer.status === 200);
    assert.equal(winners.length, 1);
    assert.equal(answers.filter((answer) => answer.status === 401).length, 7);
    assert.equal(await profileStatus(t.url, winners[0].body.access_token), 200);
    await request(t.url).post('/auth/token/refresh').send({ refresh_token: winners[0].body.refresh_token }).expect(200);
  });
});
