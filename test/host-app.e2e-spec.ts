import { Controller, Get, Injectable, Module, Post, Req, Res, UsePipes } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import passport from 'passport';
import request from 'supertest';
import type { Request, Response } from 'express';
import {
  AccountsService,
  apiKeys,
  Auth,
  AuthPrincipal,
  CurrentPrincipal,
  jwt,
  password,
  PasswordLogin,
  Public,
  sessions,
  SessionsService,
} from '@nest-auth/core';
import { login, PASSWORD, register, sessionCookie, storageMode } from './support/app';
import { HostApp, startHostApp } from './support/host';

/** What these hosts use: sessions and tokens for people, keys for services, password sign-in. */
const HOST_FEATURES = [sessions, jwt, apiKeys, password];

@Controller('host')
class HostController {
  @Get('forgotten')
  forgotten() {
    return { leaked: true };
  }

  @Public()
  @Get('open')
  open() {
    return { open: true };
  }

  @Auth('session')
  @Get('mine')
  mine(@CurrentPrincipal() principal: AuthPrincipal) {
    return { id: principal.user.id };
  }
}

@Auth('session', { roles: ['admin'] })
@Controller('host-admin')
class HostAdminController {
  @Get()
  classLevel() {
    return { admin: true };
  }

  @Public()
  @Get('status')
  overridden() {
    return { status: 'up' };
  }
}

/** A method's @Auth inside a @Public controller: the method decides, so it is not open. */
@Public()
@Controller('open-area')
class OpenAreaController {
  @Auth('session', { roles: ['admin'] })
  @Get('admin')
  admin() {
    return { admin: true };
  }

  @Get('free')
  free() {
    return { free: true };
  }
}

abstract class ThingsController {
  @Get()
  list() {
    return { things: [] };
  }
}

@Public()
@Controller('public-things')
class PublicThingsController extends ThingsController {}

@Auth('session', { roles: ['admin'] })
@Controller('admin-things')
class AdminThingsController extends ThingsController {}

describe(`AuthModule in a host app (${storageMode})`, () => {
  let host: HostApp;
  before(async () => {
    host = await startHostApp({
      features: HOST_FEATURES,
      controllers: [
        HostController,
        HostAdminController,
        OpenAreaController,
        PublicThingsController,
        AdminThingsController,
      ],
    });
  });
  after(() => host.close());

  it('denies a route without a decorator, even to a logged-in user', async () => {
    await request(host.url).get('/host/forgotten').expect(403);
    const { agent } = await login(host.url);
    const response = await agent.get('/host/forgotten').expect(403);
    assert.equal(response.body.leaked, undefined);
  });

  it('opens @Public routes and guards @Auth routes', async () => {
    await request(host.url).get('/host/open').expect(200, { open: true });
    await request(host.url).get('/host/mine').expect(401);
    const { agent, user } = await login(host.url);
    await agent.get('/host/mine').expect(200, { id: user.id });
  });

  it('applies a class-level @Auth, with a method-level @Public taking precedence', async () => {
    await request(host.url).get('/host-admin').expect(401);
    const { agent } = await login(host.url);
    await agent.get('/host-admin').expect(403);
    await request(host.url).get('/host-admin/status').expect(200, { status: 'up' });
  });

  it('lets a method-level @Auth override its class-level @Public, never the reverse', async () => {
    await request(host.url).get('/open-area/admin').expect(401);
    const { agent } = await login(host.url);
    await agent.get('/open-area/admin').expect(403);
    await request(host.url).get('/open-area/free').expect(200, { free: true });
  });

  it('keeps the requirement of each subclass of a controller apart, whichever is called first', async () => {
    await request(host.url).get('/public-things').expect(200, { things: [] });
    await request(host.url).get('/admin-things').expect(401);
    const { agent } = await login(host.url);
    await agent.get('/admin-things').expect(403);
    await request(host.url).get('/public-things').expect(200);
  });

  it('registers no strategy in Passport’s process-global registry', () => {
    const registry = passport as unknown as { _strategy(name: string): unknown };
    for (const name of ['jwt', 'apiKey']) assert.equal(registry._strategy(name), undefined, name);
  });
});

describe('routes that contradict themselves or name an unknown mechanism stop the app at start', () => {
  @Controller('both')
  class BothController {
    @Auth('session')
    @Public()
    @Get()
    both() {
      return {};
    }
  }

  @Controller('unknown')
  class UnknownController {
    @Auth('certificate' as never)
    @Get()
    unknown() {
      return {};
    }
  }

  it('refuses @Auth and @Public on one method', async () => {
    await assert.rejects(
      startHostApp({ features: HOST_FEATURES, controllers: [BothController] }),
      /both @Auth and @Public/,
    );
  });

  it('refuses a mechanism no imported module provides', async () => {
    await assert.rejects(
      startHostApp({ features: HOST_FEATURES, controllers: [UnknownController] }),
      /mechanism "certificate", which no imported module provides/,
    );
  });
});

/** Two AuthModule apps in one process, each with its own secrets, keys and database. */
describe(`two AuthModule apps in one process are isolated (${storageMode})`, () => {
  let a: HostApp;
  let b: HostApp;
  before(async () => {
    a = await startHostApp({ features: HOST_FEATURES, controllers: [HostController] });
    b = await startHostApp({ features: HOST_FEATURES, controllers: [HostController] });
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  const tokenFor = async (url: string) => {
    const { email } = await register(url);
    return (await request(url).post('/auth/token').send({ email, password: PASSWORD }).expect(200)).body
      .access_token as string;
  };
  const keyFor = async (url: string) => {
    const session = await login(url);
    const created = await session.agent
      .post('/auth/api-keys')
      .set('X-CSRF-Token', session.csrfToken)
      .send({ name: 'k' })
      .expect(201);
    return created.body.key as string;
  };

  it('each accepts its own access tokens and refuses the other’s', async () => {
    const [tokenA, tokenB] = [await tokenFor(a.url), await tokenFor(b.url)];
    await request(a.url).get('/auth/me').set('Authorization', `Bearer ${tokenA}`).expect(200);
    await request(b.url).get('/auth/me').set('Authorization', `Bearer ${tokenB}`).expect(200);
    await request(a.url).get('/auth/me').set('Authorization', `Bearer ${tokenB}`).expect(401);
    await request(b.url).get('/auth/me').set('Authorization', `Bearer ${tokenA}`).expect(401);
  });

  it('each accepts its own API keys and refuses the other’s', async () => {
    const [keyA, keyB] = [await keyFor(a.url), await keyFor(b.url)];
    await request(a.url).get('/auth/me').set('X-API-Key', keyA).expect(200);
    await request(b.url).get('/auth/me').set('X-API-Key', keyB).expect(200);
    await request(a.url).get('/auth/me').set('X-API-Key', keyB).expect(401);
    await request(b.url).get('/auth/me').set('X-API-Key', keyA).expect(401);
  });

  it('each accepts its own session cookies and refuses the other’s', async () => {
    const [sessionA, sessionB] = [await login(a.url), await login(b.url)];
    await request(a.url).get('/host/mine').set('Cookie', sessionA.cookie).expect(200);
    await request(b.url).get('/host/mine').set('Cookie', sessionB.cookie).expect(200);
    await request(a.url).get('/host/mine').set('Cookie', sessionB.cookie).expect(401);
    await request(b.url).get('/host/mine').set('Cookie', sessionA.cookie).expect(401);
  });
});

@Injectable()
class Lockdown {
  constructor(private readonly accounts: AccountsService) {}

  disable(userId: string): Promise<void> {
    return this.accounts.disable(userId);
  }
}

/** A feature module of the host that uses the module's services: with `isGlobal: false` it imports AuthModule itself. */
function lockdownModule(auth: DynamicModule): DynamicModule {
  @Module({})
  class LockdownModule {}
  return { module: LockdownModule, imports: [auth], providers: [Lockdown], exports: [Lockdown] };
}

describe(`AuthModule.forRoot({ isGlobal: false }) (${storageMode})`, () => {
  let host: HostApp;
  before(async () => {
    host = await startHostApp({
      features: HOST_FEATURES,
      controllers: [HostController],
      extras: { isGlobal: false },
      imports: (auth) => [lockdownModule(auth)],
    });
  });
  after(() => host.close());

  it('boots, guards the host’s routes, and serves its services to a module that imports it', async () => {
    await request(host.url).get('/host/forgotten').expect(403);
    const { agent, user } = await login(host.url);
    await agent.get('/host/mine').expect(200, { id: user.id });
    await host.app.get(Lockdown, { strict: false }).disable(user.id);
    await agent.get('/host/mine').expect(401);
  });
});

/** The host's own login route: identify the user, then issue a session, with the module's two calls. */
@Controller('my')
class MyLoginController {
  constructor(
    private readonly passwords: PasswordLogin,
    private readonly sessions: SessionsService,
  ) {}

  @Public()
  @Post('sign-in')
  @UsePipes()
  async signIn(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const body = request.body as { email: string; password: string };
    const identified = await this.passwords.identify(body.email, body.password, request, 'session');
    const { csrfToken } = await this.sessions.issue(identified, request, response);
    return { csrfToken };
  }

  @Auth('session', 'jwt')
  @Get('me')
  me(@CurrentPrincipal() principal: AuthPrincipal) {
    return { email: principal.user.email, via: principal.via };
  }
}

describe(`the built-in routes, off or under the host's prefix (${storageMode})`, () => {
  it('serves none with `routes: false`, while the guard and the services work for the host’s own routes', async () => {
    const host = await startHostApp({
      features: HOST_FEATURES,
      controllers: [MyLoginController],
      extras: { routes: false },
    });
    try {
      await request(host.url).post('/auth/login').send({ email: 'a@example.com', password: PASSWORD }).expect(404);
      await request(host.url).get('/.well-known/jwks.json').expect(404);
      const user = await host.app.get(AccountsService).register({ email: 'ada@example.com', password: PASSWORD });
      const signedIn = await request(host.url)
        .post('/my/sign-in')
        .send({ email: user.email, password: PASSWORD })
        .expect(201);
      const cookie = sessionCookie(signedIn.headers['set-cookie']);
      await request(host.url).get('/my/me').set('Cookie', cookie).expect(200, { email: user.email, via: 'session' });
      await request(host.url)
        .post('/my/sign-in')
        .send({ email: user.email, password: `${PASSWORD}!` })
        .expect(401);
    } finally {
      await host.close();
    }
  });

  it('mounts them under `routes.prefix`, the JSON-only rule with them, and leaves the JWKS where clients look', async () => {
    const host = await startHostApp({ features: HOST_FEATURES, extras: { routes: { prefix: 'api/v1/auth' } } });
    try {
      const email = 'grace@example.com';
      await request(host.url).post('/api/v1/auth/register').send({ email, password: PASSWORD }).expect(201);
      await request(host.url).post('/auth/register').send({ email: 'x@example.com', password: PASSWORD }).expect(404);
      const session = await request(host.url)
        .post('/api/v1/auth/login')
        .send({ email, password: PASSWORD })
        .expect(200);
      assert.ok(session.body.csrfToken);
      await request(host.url).post('/api/v1/auth/login').set('Content-Type', 'text/plain').send('email=x').expect(415);
      await request(host.url).get('/.well-known/jwks.json').expect(200);
    } finally {
      await host.close();
    }
  });
});
