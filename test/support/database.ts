import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { productionMode } from './app';

type SqliteHandle = { pragma(sql: string): unknown };

export interface FreshDatabase {
  type: 'postgres' | 'better-sqlite3';
  /** What a TypeORM DataSource needs to reach it, besides entities and migrations. */
  connection:
    | { type: 'postgres'; url: string }
    | { type: 'better-sqlite3'; database: string; prepareDatabase: (db: SqliteHandle) => void };
  drop(): Promise<void>;
}

/**
 * An empty database of the run's storage mode for a test that needs a schema of its own: a new
 * PostgreSQL database on the server of DATABASE_URL, or a SQLite file in a temporary folder.
 */
export async function freshDatabase(label: string): Promise<FreshDatabase> {
  if (!productionMode) {
    const dir = mkdtempSync(join(tmpdir(), `nest-auth-${label}-`));
    return {
      type: 'better-sqlite3',
      connection: {
        type: 'better-sqlite3',
        database: join(dir, 'db.sqlite'),
        prepareDatabase: (db) => void db.pragma('foreign_keys = ON'),
      },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const server = new URL(process.env.DATABASE_URL as string);
  const name = `nest_auth_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url: server.toString() });
  await admin.initialize();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.destroy();
  const url = new URL(server.toString());
  url.pathname = `/${name}`;
  return {
    type: 'postgres',
    connection: { type: 'postgres', url: url.toString() },
    drop: async () => {
      const cleanup = new DataSource({ type: 'postgres', url: server.toString() });
      await cleanup.initialize();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.destroy();
    },
  };
}
