import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { authEntities, authMigrations } from 'nest-auth';
import { storageMode } from './support/app';
import { freshDatabase } from './support/database';

/** The migrations, run on an empty database, leave exactly the schema the entities declare. */
describe(`one source of truth for the schema (${storageMode})`, () => {
  for (const builtInUsers of [true, false]) {
    it(`leaves TypeORM's schema builder nothing to do after the migrations, ${builtInUsers ? 'with the built-in users table' : 'without a users table'}`, async () => {
      const db = await freshDatabase('schema');
      const dataSource = new DataSource({
        ...db.connection,
        entities: authEntities(db.type, { builtInUsers }),
        migrations: authMigrations({ builtInUsers }),
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
        const tables = (await dataSource.createQueryRunner().getTables()).map((table) => table.name.replace(/^public\./, ''));
        assert.equal(tables.includes('auth_users'), builtInUsers);
        assert.ok(tables.includes('auth_sessions') && tables.includes('auth_api_keys') && tables.includes('auth_user_revocations'));
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
      entities: authEntities(db.type),
      migrations: authMigrations(),
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
