import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { authEntities, authMigrations } from '@nest-auth/core';
import { ReportEmailCollisions1796083295000 } from '../src/auth/users/migrations/1796083295000-ReportEmailCollisions';
import { register, startApp, storageMode, uniqueEmail } from './support/app';
import { freshDatabase } from './support/database';

const fullWidth = (text: string) => text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

describe(`emails compared after NFKC normalization (${storageMode})`, () => {
  it('answers 409 to the registration of a full-width twin of a registered address, and signs the twin in as the owner', async () => {
    const t = await startApp();
    try {
      const email = uniqueEmail('twin');
      const owner = await register(t.url, email);
      const twin = await fetch(`${t.url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: fullWidth(email.toUpperCase()), password: 'some other passphrase' }),
      });
      assert.equal(twin.status, 409);
      const login = await fetch(`${t.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: fullWidth(email), password: 'correct horse battery staple' }),
      });
      assert.equal(login.status, 200);
      assert.equal(((await login.json()) as { user: { id: string } }).user.id, owner.id);
    } finally {
      await t.close();
    }
  });

  it('the migration reports users registered before under twin addresses, by id, and merges nothing', async () => {
    const db = await freshDatabase('collisions');
    const migrations = authMigrations({ features: [] }).filter(
      (migration) => migration !== ReportEmailCollisions1796083295000,
    );
    const dataSource = new DataSource({
      ...db.connection,
      entities: authEntities(db.type, { features: [] }),
      migrations,
      migrationsTransactionMode: 'each',
    });
    try {
      await dataSource.initialize();
      await dataSource.runMigrations();
      const users = dataSource.getRepository('User');
      const insert = (email: string) => {
        const id = randomUUID();
        return users
          .insert({
            id,
            email,
            name: null,
            passwordHash: null,
            roles: ['user'],
            disabledAt: null,
            createdAt: new Date(),
          })
          .then(() => id);
      };
      const ascii = await insert('ada@example.com');
      const wide = await insert(fullWidth('ada@example.com'));
      await insert('grace@example.com');
      const report = new ReportEmailCollisions1796083295000();
      const warnings: string[] = [];
      report.warn = (message) => warnings.push(message);
      const runner = dataSource.createQueryRunner();
      try {
        await report.up(runner);
      } finally {
        await runner.release();
      }
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /^1 email address\(es\) belong to more than one user/);
      assert.ok(warnings[0].includes(`[${[ascii, wide].sort().join(', ')}]`), warnings[0]);
      assert.equal(await users.count(), 3, 'nothing merged');
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
    }
  });
});
