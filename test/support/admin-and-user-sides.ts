import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../src/config/app.config';
import {
  ChildApp,
  login,
  LoggedIn,
  PASSWORD,
  productionMode,
  startApp,
  startAppProcess,
  TestApp,
  uniqueEmail,
} from './app';

/**
 * The bootstrap admin's instance and the users' instance of one deployment. In PostgreSQL+Redis mode
 * the users' instance runs in a process of its own and shares only the database, Redis and the
 * secrets, so what the admin does reaches it through the bus; embedded mode has one instance, which
 * plays both parts.
 */
export interface AdminAndUserSides {
  adminSide: TestApp;
  userSide: TestApp | ChildApp;
  adminEmail: string;
  /** The embedded database's folder, and the mail outbox's parent, shared by both instances. */
  dataDir: string;
  /** Signed in on the admin's side with a session (and its CSRF token). */
  admin: LoggedIn;
  /** What both instances were started with: for one more instance of the same deployment. */
  shared: Env;
  close(): Promise<void>;
}

export async function startAdminAndUserSides(name: string, env: Env = {}): Promise<AdminAndUserSides> {
  const dataDir = mkdtempSync(join(tmpdir(), `nest-auth-${name}-`));
  const adminEmail = uniqueEmail('admin');
  const shared: Env = {
    DATA_DIR: dataDir,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    REDIS_KEY_PREFIX: `${name}-${randomBytes(6).toString('hex')}:`,
    ...env,
  };
  const adminSide = await startApp({
    ...shared,
    AUTH_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
    AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
  });
  const userSide = productionMode ? await startAppProcess(shared) : adminSide;
  const admin = await login(adminSide.url, adminEmail, PASSWORD, false);
  return {
    adminSide,
    userSide,
    adminEmail,
    dataDir,
    admin,
    shared,
    close: async () => {
      if (userSide !== adminSide) await userSide.close();
      await adminSide.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
