import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { apiKeys, authEntities, authMigrations, jwt, orgs, password, sessions, webhooks } from '@nest-auth/core';
import { referenceFeatures } from '../src/app.features';
import { storageMode } from './support/app';
import { freshDatabase } from './support/database';

/** Every feature, as the reference app lists them. */
const ALL = referenceFeatures;

/** What every composition stores, whatever it lists. */
const BASE_TABLES = ['auth_events', 'auth_revocation_events', 'auth_user_revocations', 'auth_users'];

/** The migrations, run on an empty database, leave exactly the schema the entities declare. */
describe(`one source of truth for the schema (${storageMode})`, () => {
  const featureSets = [
    { name: 'sessions only', features: [sessions], tables: ['auth_session_store', 'auth_sessions'] },
    {
      name: 'sessions and organizations',
      features: [sessions, orgs],
      tables: [
        'auth_org_api_keys',
        'auth_org_events',
        'auth_org_invitations',
        'auth_org_members',
        'auth_org_roles',
        'auth_orgs',
        'auth_session_store',
        'auth_sessions',
      ],
    },
    {
      name: 'sessions, jwt and API keys',
      features: [sessions, jwt, apiKeys, password],
      tables: [
        'auth_api_keys',
        'auth_refresh_token_families',
        'auth_refresh_tokens',
        'auth_session_store',
        'auth_sessions',
      ],
    },
    { name: 'webhooks', features: [webhooks], tables: ['auth_webhook_deliveries', 'auth_webhook_endpoints'] },
  ];
  for (const set of featureSets) {
    it(`creates exactly the tables of its features: ${set.name}`, async () => {
      const db = await freshDatabase('schema');
      const dataSource = new DataSource({
        ...db.connection,
        entities: authEntities(db.type, { features: set.features }),
        migrations: authMigrations({ features: set.features }),
        migrationsTransactionMode: 'each',
      });
      try {
        await dataSource.initialize();
        await dataSource.runMigrations();
        const tables = (await dataSource.createQueryRunner().getTables())
          .map((table) => table.name.replace(/^public\./, ''))
          .filter((name) => name.startsWith('auth_'));
        assert.deepEqual(tables.sort(), [...BASE_TABLES, ...set.tables].sort());
        assert.deepEqual((await dataSource.driver.createSchemaBuilder().log()).upQueries, []);
      } finally {
        if (dataSource.isInitialized) await dataSource.destroy();
        await db.drop();
      }
    });
  }

  for (const builtInUsers of [true, false]) {
    it(`leaves TypeORM's schema builder nothing to do after the migrations, ${builtInUsers ? 'with the built-in users table' : 'without a users table'}`, async () => {
      const db = await freshDatabase('schema');
      const dataSource = new DataSource({
        ...db.connection,
        entities: authEntities(db.type, { features: ALL, builtInUsers }),
        migrations: authMigrations({ features: ALL, builtInUsers }),
        migrationsTransactionMode: 'each',
      });
      try {
        await dataSource.initialize();
        await dataSource.runMigrations();
        const pending = await dataSource.driver.createSchemaBuilder().log();
        assert.deepEqual(
          pending.upQueries.map((query) => query.query),
          [],
        );
        const tables = (await dataSource.createQueryRunner().getTables()).map((table) =>
          table.name.replace(/^public\./, ''),
        );
        assert.equal(tables.includes('auth_users'), builtInUsers);
        assert.ok(
          tables.includes('auth_sessions') &&
            tables.includes('auth_api_keys') &&
            tables.includes('auth_user_revocations'),
        );
      } finally {
        if (dataSource.isInitialized) await dataSource.destroy();
        await db.drop();
      }
    });
  }

  it('takes a deleted built-in user’s rows along (the cascades the entities declare)', async () => {
    const db = await freshDatabase('cascade');
    const dataSource = new DataSource({
      ...db.connection,
      entities: authEntities(db.type, { features: ALL }),
      migrations: authMigrations({ features: ALL }),
      ...(db.type === 'better-sqlite3'
        ? { prepareDatabase: (sqlite: { pragma(sql: string): unknown }) => sqlite.pragma('foreign_keys = ON') }
        : {}),
    });
    try {
      await dataSource.initialize();
      await dataSource.runMigrations();
      const userId = randomUUID();
      const now = new Date();
      await dataSource.getRepository('User').insert({
        id: userId,
        email: `${userId}@example.com`,
        name: null,
        passwordHash: null,
        roles: ['user'],
        disabledAt: null,
        createdAt: now,
      });
      await dataSource.getRepository('ApiKey').insert({
        id: randomUUID(),
        userId,
        name: 'k',
        keyHash: randomUUID().replace(/-/g, '').padEnd(64, '0'),
        prefix: 'sk_x',
        scopes: [],
        rateLimitPerMinute: 1,
        createdAt: now,
        lastUsedAt: null,
        expiresAt: null,
        revokedAt: null,
      });
      await dataSource.getRepository('UserRevocation').insert({ userId, epoch: 1, revokedAt: now });
      await dataSource.getRepository('User').delete({ id: userId });
      assert.equal(await dataSource.getRepository('ApiKey').countBy({ userId }), 0);
      assert.equal(await dataSource.getRepository('UserRevocation').countBy({ userId }), 0);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
    }
  });
});
