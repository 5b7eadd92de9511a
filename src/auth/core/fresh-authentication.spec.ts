import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Response } from 'express';
import type { AuthMechanism } from './auth-mechanism';
import type { AuthPrincipal } from './auth-principal';
import { FreshAuthentication } from './fresh-authentication';
import { ReauthenticationMethods } from './reauthentication-methods';
import { ReauthenticationRequiredException } from './reauthentication-required.exception';

const user = { id: 'u1', email: 'ada@example.com', roles: ['user'] };
const nowSeconds = () => Math.floor(Date.now() / 1000);
const principal = (authTime?: number, amr?: string[]): AuthPrincipal => ({
  user,
  via: 'session' as never,
  authTime,
  amr,
});

function responseRecorder() {
  const headers = new Map<string, unknown>();
  return {
    headers,
    response: { setHeader: (name: string, value: unknown) => headers.set(name, value) } as unknown as Response,
  };
}

function freshness(maxAgeSeconds: number, hasTotp: boolean) {
  const methods = new ReauthenticationMethods();
  methods.register({ method: 'password', amr: ['pwd'], held: async () => true });
  methods.register({ method: 'totp', amr: ['otp'], secondFactor: true, held: async () => hasTotp });
  return new FreshAuthentication({ maxAgeSeconds }, methods);
}

const bearer = { freshnessChallenge: (maxAge: number) => `Bearer max_age=${maxAge}` } as unknown as AuthMechanism;
const cookie = {} as AuthMechanism;

describe('FreshAuthentication', () => {
  it('counts a proof as fresh for maxAgeSeconds whole seconds, never one without a time or from well ahead of the clock', () => {
    const fresh = freshness(600, false);
    const now = Date.now();
    const at = Math.floor(now / 1000);
    assert.equal(fresh.isFresh(principal(at - 600), now), true);
    assert.equal(fresh.isFresh(principal(at - 601), now), false);
    assert.equal(fresh.isFresh(principal(undefined), now), false);
    assert.equal(fresh.isFresh(principal(at + 30), now), true, 'another instance’s clock a little ahead');
    assert.equal(fresh.isFresh(principal(at + 3600), now), false);
  });

  it('admits a fresh caller at once, without a promise', () => {
    const { response } = responseRecorder();
    assert.equal(
      freshness(600, true).check(principal(nowSeconds(), ['pwd']), { secondFactor: false }, cookie, response),
      true,
    );
  });

  it('refuses a stale caller with the user’s methods, and the mechanism’s challenge when it has one', async () => {
    const { headers, response } = responseRecorder();
    const refused = freshness(600, true).check(
      principal(nowSeconds() - 700, ['pwd']),
      { secondFactor: false },
      bearer,
      response,
    );
    await assert.rejects(Promise.resolve(refused), (error: unknown) => {
      assert.ok(error instanceof ReauthenticationRequiredException);
      assert.deepEqual(error.getResponse(), {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Reauthentication required',
        maxAge: 600,
        methods: ['password', 'totp'],
      });
      return true;
    });
    assert.equal(headers.get('WWW-Authenticate'), 'Bearer max_age=600');
  });

  it('asks a user with a second factor for a proof that held two factors, and only that user', async () => {
    const { headers, response } = responseRecorder();
    const passwordOnly = principal(nowSeconds(), ['pwd']);
    await assert.rejects(
      Promise.resolve(freshness(600, true).check(passwordOnly, { secondFactor: true }, cookie, response)),
    );
    assert.equal(headers.size, 0, 'no challenge for a cookie caller');
    assert.equal(await freshness(600, false).check(passwordOnly, { secondFactor: true }, cookie, response), true);
    assert.equal(
      freshness(600, true).check(
        principal(nowSeconds(), ['pwd', 'otp', 'mfa']),
        { secondFactor: true },
        cookie,
        response,
      ),
      true,
    );
  });
});
