import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Body, Controller, Get, Post } from '@nestjs/common';
import request from 'supertest';
import { apiKeys, Auth, AuthFeature, jwt, password, Public, sessions } from '@nest-auth/core';
import { storageMode } from './support/app';
import { HostApp, startHostApp } from './support/host';

@Controller('host')
class HostController {
  @Public()
  @Post('echo')
  echo(@Body() body: unknown) {
    return { size: JSON.stringify(body).length };
  }

  @Auth()
  @Get('mine')
  mine() {
    return { ok: true };
  }

  @Get('open')
  open() {
    return { open: true };
  }
}

/** Every route the app serves, as `METHOD /path`, from Express's router. */
function routesOf(host: HostApp): string[] {
  const express = host.app.getHttpAdapter().getInstance() as {
    router: { stack: Array<{ route?: { path: string; methods: object } }> };
  };
  return express.router.stack
    .flatMap((layer) =>
      layer.route ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route?.path}`) : [],
    )
    .filter((route) => !route.includes('/host/') && !route.includes('{*path}'))
    .sort();
}

const SESSION_ROUTES = [
  'DELETE /auth/sessions',
  'DELETE /auth/sessions/:id',
  'GET /auth/csrf',
  'GET /auth/sessions',
  'POST /auth/logout',
];
const ACCOUNT_ROUTES = [
  'GET /auth/admin/audit',
  'GET /auth/admin/audit/export',
  'GET /auth/admin/users',
  'GET /auth/admin/users/:id',
  'PATCH /auth/admin/users/:id',
  'DELETE /auth/admin/users/:id/:kind/:itemId',
  'DELETE /auth/admin/users/:id',
  'GET /auth/me',
  'DELETE /auth/me',
  'GET /auth/me/export',
  'POST /auth/admin/users/:id/disable',
  'POST /auth/admin/users/:id/enable',
  'POST /auth/admin/users/:id/logout-all',
  'POST /auth/logout-all',
  'POST /auth/reauthenticate',
  'POST /auth/reauthenticate/options',
];
const PASSWORD_SESSION_ROUTES = ['POST /auth/login', 'POST /auth/password', 'POST /auth/register'];

describe(`hosts list the features they use (${storageMode})`, () => {
  describe('sessions only, with only session options', () => {
    let host: HostApp;
    before(async () => {
      host = await startHostApp({ features: [sessions], controllers: [HostController] });
    });
    after(() => host.close());

    it('mounts the session and account routes, and nothing of tokens, keys, mails or metrics', () => {
      assert.deepEqual(routesOf(host), [...SESSION_ROUTES, ...ACCOUNT_ROUTES].sort());
    });

    it('guards host routes with the session mechanism alone', async () => {
      await request(host.url).get('/host/mine').expect(401);
      await request(host.url).get('/host/mine').set('Authorization', 'Bearer x.y.z').expect(401);
      await request(host.url).get('/host/open').expect(403);
    });

    it('keeps the host’s own body parser on the host’s routes', async () => {
      const big = { text: 'x'.repeat(50_000) };
      await request(host.url)
        .post('/host/echo')
        .send(big)
        .expect(201, { size: JSON.stringify(big).length });
    });
  });

  describe('sessions, jwt, API keys and password sign-in', () => {
    let host: HostApp;
    before(async () => {
      host = await startHostApp({ features: [sessions, jwt, apiKeys, password], controllers: [HostController] });
    });
    after(() => host.close());

    it('mounts exactly the routes of those features', () => {
      assert.deepEqual(
        routesOf(host),
        [
          ...SESSION_ROUTES,
          ...ACCOUNT_ROUTES,
          ...PASSWORD_SESSION_ROUTES,
          'POST /auth/token',
          'POST /auth/token/refresh',
          'POST /auth/token/revoke',
          'GET /.well-known/jwks.json',
          'GET /auth/api-keys',
          'POST /auth/api-keys',
          'DELETE /auth/api-keys/:id',
          'POST /auth/api-keys/:id/rotate',
          'GET /auth/token-families',
          'DELETE /auth/token-families/:id',
        ].sort(),
      );
    });

    it('limits the body of the module’s routes to 10 kB, and only those', async () => {
      const big = { email: 'a@example.com', password: 'x'.repeat(20_000) };
      await request(host.url).post('/auth/login').send(big).expect(413);
      await request(host.url).post('/host/echo').send(big).expect(201);
    });
  });

  it('mounts a way to sign in only with the issuers listed: password without jwt has no /auth/token', async () => {
    const host = await startHostApp({ features: [sessions, password], controllers: [HostController] });
    try {
      assert.deepEqual(routesOf(host), [...SESSION_ROUTES, ...ACCOUNT_ROUTES, ...PASSWORD_SESSION_ROUTES].sort());
      await request(host.url).post('/auth/token').send({ email: 'a@example.com', password: 'x' }).expect(404);
    } finally {
      await host.close();
    }
  });

  it('stops at start with one line naming a missing package or a missing feature', async () => {
    const needsPackage: AuthFeature = { ...sessions, name: 'needs-package', packages: ['nest-auth-no-such-package'] };
    await assert.rejects(
      startHostApp({ features: [sessions, needsPackage] }),
      /needs the package "nest-auth-no-such-package": npm install/,
    );
    const needsJwt: AuthFeature = { name: 'needs-jwt', requires: ['jwt'], module: sessions.module };
    await assert.rejects(
      startHostApp({ features: [sessions, needsJwt] }),
      /feature "needs-jwt" needs feature "jwt" listed too/,
    );
    await assert.rejects(startHostApp({ features: [sessions, sessions] }), /feature "sessions" is listed twice/);
  });

  it('leaves routes without a decorator open with globalGuard: false, and still guards @Auth routes', async () => {
    const host = await startHostApp({
      features: [sessions],
      controllers: [HostController],
      extras: { globalGuard: false },
    });
    try {
      await request(host.url).get('/host/open').expect(200, { open: true });
      await request(host.url).get('/host/mine').expect(401);
    } finally {
      await host.close();
    }
  });
});
