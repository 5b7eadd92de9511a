import { DataSource, DataSourceOptions } from 'typeorm';

/** How long a failed attempt waits before the next one. */
const RETRY_DELAY_MS = 500;

/**
 * A `dataSourceFactory` for `TypeOrmModule.forRootAsync`: at start, tries to connect until the database
 * answers, for at most `timeoutSeconds`, then fails with one line naming the wait and the last error
 * (with `retryAttempts: 0`, so the app stops there instead of retrying on its own with a stack per try).
 * Only connecting is retried: the migrations (`migrationsRun`) run once connected, and a migration that
 * fails stops the start at once.
 *
 * @example
 * ```ts
 * TypeOrmModule.forRootAsync({
 *   useFactory: () => ({ type: 'postgres', url: process.env.DATABASE_URL, migrationsRun: true, retryAttempts: 0 }),
 *   dataSourceFactory: waitForDatabase(30),
 * })
 * ```
 */
export function waitForDatabase(timeoutSeconds: number): (options?: DataSourceOptions) => Promise<DataSource> {
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new Error('waitForDatabase: the wait must be a positive number of seconds');
  return async (options) => {
    if (!options) throw new Error('waitForDatabase: no DataSource options');
    const deadline = Date.now() + timeoutSeconds * 1000;
    let lastError = 'no answer';
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        stopped = true;
        reject(new Error(`The database did not answer within ${timeoutSeconds} s at start (${lastError})`));
      }, timeoutSeconds * 1000);
    });
    const connect = async (): Promise<DataSource> => {
      for (;;) {
        const dataSource = new DataSource({ ...options, migrationsRun: false } as DataSourceOptions);
        try {
          await dataSource.initialize();
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error);
          if (stopped || Date.now() + RETRY_DELAY_MS >= deadline) return gaveUp;
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
          continue;
        }
        // Connected after the wait was over: the start has failed already, so nothing may keep this pool open.
        if (stopped) {
          await dataSource.destroy();
          return gaveUp;
        }
        return dataSource;
      }
    };
    let dataSource: DataSource;
    try {
      dataSource = await Promise.race([connect(), gaveUp]);
    } finally {
      clearTimeout(timer);
    }
    if (options.migrationsRun) {
      try {
        await dataSource.runMigrations({ transaction: options.migrationsTransactionMode ?? 'all' });
      } catch (error) {
        await dataSource.destroy();
        throw error;
      }
    }
    return dataSource;
  };
}
