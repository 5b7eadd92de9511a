import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { Auth, AuthModule, authEntities, authMigrations, AuthPrincipal, configureAuthHttp, CurrentPrincipal, Public } from '../src/auth';
import { login } from './support/app';

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

/** A host app built the way the README tells teams to: its own module, AuthModule.forRootAsync, its own controllers. */
describe('AuthModule in a host app', () => {
  let app: NestExpressApplication;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'nest-auth-host-'));

  before(async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({
          type: 'better-sqlite3',
          database: join(dir, 'host.sqlite'),
          entities: authEntities,
          migrations: authMigrations,
          migrationsRun: true,
        }),
        AuthModule.forRootAsync({ useFactory: async () => ({ sessionSecrets: [randomBytes(32).toString('hex')] }) }),
      ],
      controllers: [HostController, HostAdminController],
    })
    class HostModule {}
    app = await NestFactory.create<NestExpressApplication>(HostModule, { bodyParser: false, logger: false });
    configureAuthHttp(app);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('denies a route without a decorator, even to a logged-in user', async () => {
    await request(url).get('/host/forgotten').expect(403);
    const { agent } = await login(url);
    const response = await agent.get('/host/forgotten').expect(403);
    assert.equal(response.body.leaked, undefined);
  });

  it('opens @Public routes and guards @Auth routes', async () => {
    await request(url).get('/host/open').expect(200, { open: true });
    await request(url).get('/host/mine').expect(401);
    const { agent, user } = await login(url);
    await agent.get('/host/mine').expect(200, { id: user.id });
  });

  it('applies a class-level @Auth, with method-level @Public taking precedence', async () => {
    await request(url).get('/host-admin').expect(401);
    const { agent } = await login(url);
    await agent.get('/host-admin').expect(403);
    await request(url).get('/host-admin/status').expect(200, { status: 'up' });
  });

  it('rejects a mechanism name it does not know when the route is declared', () => {
    assert.throws(() => Auth('cookie' as never), /unknown mechanism/);
  });
});
