import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthFeature,
  AuthModule,
  authEntities,
  authMigrations,
  AuthModuleExtras,
  AuthModuleOptions,
} from '@nest-auth/core';
import { productionMode } from './app';
import { freshDatabase, FreshDatabase } from './database';
import { testRedisOptions } from './redis';

export interface HostApp {
  app: NestExpressApplication;
  url: string;
  db: FreshDatabase;
  close(): Promise<void>;
}

export interface HostAppDefinition {
  /** The features the host lists: a suite's host lists only what it tests. */
  features: AuthFeature[];
  controllers?: Type[];
  providers?: Provider[];
  /** Host entities and migrations beside the module's; `builtInUsers: false` leaves out the module's users table. */
  entities?: Type[];
  migrations?: Type[];
  builtInUsers?: boolean;
  /** AuthModule options on top of a fresh session secret (and the run's Redis, with a prefix of this app's own). */
  options?: Partial<AuthModuleOptions>;
  extras?: AuthModuleExtras;
  /** Other modules of the host, given the AuthModule it imports (to import it again where `isGlobal: false`). */
  imports?: (auth: DynamicModule) => Array<DynamicModule | Type>;
  /** What the host does to the app between create and listen (`app.setGlobalPrefix('api')`). */
  configure?: (app: NestExpressApplication) => void;
}

/** A host app as the README tells teams to build one: its own module and database, AuthModule.forRoot, its controllers. */
export async function startHostApp(definition: HostAppDefinition): Promise<HostApp> {
  const db = await freshDatabase('host');
  const builtInUsers = definition.builtInUsers ?? true;
  const { features } = definition;
  const listed = new Set(features.map((feature) => feature.name));
  // Options only for what is listed: an unlisted feature's options are never asked for.
  const auth = AuthModule.forRoot({
    ...(listed.has('sessions') ? { session: { secrets: [randomBytes(32).toString('hex')] } } : {}),
    passwordHashing: { memoryCost: 8192, timeCost: 1 },
    throttle: { limit: 100_000 },
    ...(listed.has('mfa') ? { mfa: { encryptionKeys: [randomBytes(32).toString('hex')] } } : {}),
    ...(listed.has('email')
      ? { email: { outboxDir: join(tmpdir(), `nest-auth-host-outbox-${randomUUID()}`), publicUrl: 'http://127.0.0.1' } }
      : {}),
    ...(productionMode
      ? {
          redis: {
            ...testRedisOptions(),
            keyPrefix: `${process.env.REDIS_KEY_PREFIX ?? 'test:'}host-${randomUUID()}:`,
          },
        }
      : {}),
    ...definition.options,
    ...definition.extras,
    features,
  } as AuthModuleOptions & AuthModuleExtras);
  @Module({
    imports: [
      TypeOrmModule.forRoot({
        ...db.connection,
        entities: [...(definition.entities ?? []), ...authEntities(db.type, { features, builtInUsers })],
        migrations: [...(definition.migrations ?? []), ...authMigrations({ features, builtInUsers })],
        migrationsRun: true,
      }),
      auth,
      ...(definition.imports?.(auth) ?? []),
    ],
    controllers: definition.controllers ?? [],
    providers: definition.providers ?? [],
  })
  class HostModule {}
  let app: NestExpressApplication | undefined;
  try {
    // A host as Nest makes it, with its own body parser: the module parses and limits only its own routes.
    app = await NestFactory.create<NestExpressApplication>(HostModule, { logger: false, abortOnError: false });
    definition.configure?.(app);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app?.close().catch(() => undefined);
    await db.drop();
    throw error;
  }
  return {
    app,
    db,
    url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
