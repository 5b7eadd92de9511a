import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { authEntities, authMigrations } from '../auth';
import { referenceFeatures } from '../app.features';
import { DatabaseConfig } from './app.config';

/** One DataSource definition for the app, the tests and the TypeORM CLI (`ormconfig.ts`). */
export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  const type = database.type === 'postgres' ? 'postgres' : 'better-sqlite3';
  const common = {
    entities: authEntities(type, { features: referenceFeatures }),
    migrations: authMigrations({ features: referenceFeatures }),
    synchronize: false,
    migrationsTransactionMode: 'each' as const,
  };
  if (database.type === 'postgres') {
    return {
      type: 'postgres',
      url: database.url,
      // A database that stops answering fails the query in seconds (and the request with a 503), instead of holding it.
      extra: { max: 20, connectionTimeoutMillis: 3000, query_timeout: 5000, keepAlive: true },
      ...common,
    };
  }
  mkdirSync(dirname(database.url), { recursive: true });
  return {
    type: 'better-sqlite3',
    database: database.url,
    // WAL lets readers run while a write commits; the busy timeout waits out a concurrent writer instead of failing.
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
    ...common,
  };
}
