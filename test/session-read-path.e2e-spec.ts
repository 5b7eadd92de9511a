import { Controller, Get, Req, Session } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Request } from 'express';
import { Auth, AuthPrincipal, CurrentPrincipal, password, sessions } from '@nest-auth/core';
import { login, storageMode } from './support/app';
import { HostApp, startHostApp } from './support/host';

/**
 * A session read in the last moment is answered from the read cache without express-session, which
 * runs only once something reads `request.session`. These host routes read and change the session
 * the way host code does, on requests answered that way (each follows another within the cache's second).
 */
const HOST_FEATURES = [sessions, password];

declare module 'express-session' {
  interface SessionData {
    visits?: number;
    pages?: string[];
  }
}

@Auth('session')
@Controller('host-session')
class HostSessionController {
  /** Changes the session through `request.session`, as host code does. */
  @Get('visit')
  visit(@Req() req: Request) {
    req.session.visits = (req.session.visits ?? 0) + 1;
    return { visits: req.session.visits };
  }

  /** Changes it through Nest's @Session(), and a nested value in place. */
  @Get('page')
  page(@Session() session: Request['session']) {
    session.pages ??= [];
    session.pages.push(`p${session.pages.length + 1}`);
    return { pages: session.pages };
  }

  /** Reads only what express-session sets beside the session: the session's ID. */
  @Get('id')
  id(@Req() req: Request, @CurrentPrincipal() principal: AuthPrincipal) {
    return { sessionID: req.sessionID, userId: principal.user.id };
  }
}

const sessionIdOf = (cookie: string) => decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0];
const signatureOf = (cookie: string) => decodeURIComponent(cookie.split('=')[1]).split('.')[1];

describe(`sessions answered from the read cache (${storageMode})`, () => {
  let host: HostApp;
  before(async () => {
    host = await startHostApp({ features: HOST_FEATURES, controllers: [HostSessionController] });
  });
  after(() => host.close());

  it("saves a host route's change to request.session, request after request", async () => {
    const { cookie } = await login(host.url);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await request(host.url).get('/host-session/visit').set('Cookie', cookie).expect(200);
      seen.push(response.body.visits);
    }
    assert.deepEqual(seen, [1, 2, 3, 4]);
    // Past the read cache's second, from the store: the changes were saved there.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const later = await request(host.url).get('/host-session/visit').set('Cookie', cookie).expect(200);
    assert.equal(later.body.visits, 5);
  });

  it('saves a change made through @Session() to a nested value', async () => {
    const { cookie } = await login(host.url);
    await request(host.url).get('/host-session/page').set('Cookie', cookie).expect(200);
    await request(host.url).get('/host-session/page').set('Cookie', cookie).expect(200);
    const third = await request(host.url).get('/host-session/page').set('Cookie', cookie).expect(200);
    assert.deepEqual(third.body.pages, ['p1', 'p2', 'p3']);
  });

  it("gives request.sessionID the cookie's session ID without loading the session", async () => {
    const { cookie, user } = await login(host.url);
    for (let i = 0; i < 2; i++) {
      const response = await request(host.url).get('/host-session/id').set('Cookie', cookie).expect(200);
      assert.deepEqual(response.body, { sessionID: sessionIdOf(cookie), userId: user.id });
    }
  });

  it('refuses a cookie whose signature does not check out, though its session was just read', async () => {
    const { cookie } = await login(host.url);
    await request(host.url).get('/host-session/id').set('Cookie', cookie).expect(200);
    const sid = sessionIdOf(cookie);
    const signature = signatureOf(cookie);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    for (const forged of [`sid=${encodeURIComponent(`s:${sid}.${flipped}`)}`, `sid=${sid}`, `sid=s:${sid}`]) {
      await request(host.url).get('/host-session/id').set('Cookie', forged).expect(401);
    }
    await request(host.url).get('/host-session/id').set('Cookie', cookie).expect(200);
  });

  it('takes the first of two session cookies, as express-session does', async () => {
    const first = await login(host.url);
    const second = await login(host.url);
    // Both sessions were just read, so both are in the read cache.
    await request(host.url).get('/host-session/id').set('Cookie', first.cookie).expect(200);
    await request(host.url).get('/host-session/id').set('Cookie', second.cookie).expect(200);
    const both = `${first.cookie}; ${second.cookie}`;
    const id = await request(host.url).get('/host-session/id').set('Cookie', both).expect(200);
    assert.deepEqual(id.body, { sessionID: sessionIdOf(first.cookie), userId: first.user.id });
    const visit = await request(host.url).get('/host-session/visit').set('Cookie', both).expect(200);
    assert.equal(visit.body.visits, 1);
    const own = await request(host.url).get('/host-session/visit').set('Cookie', first.cookie).expect(200);
    assert.equal(own.body.visits, 2);
  });

  it('ends the session at logout on a request answered from the read cache', async () => {
    const { cookie, csrfToken } = await login(host.url);
    await request(host.url).get('/host-session/id').set('Cookie', cookie).expect(200);
    await request(host.url).post('/auth/logout').set('Cookie', cookie).set('x-csrf-token', csrfToken).expect(204);
    await request(host.url).get('/host-session/id').set('Cookie', cookie).expect(401);
  });
});
