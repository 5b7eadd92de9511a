import { CreateAuthEvents1764331500000 } from './1764331500000-CreateAuthEvents';
import { CreateUsersAndSessions1764331200000 } from './1764331200000-CreateUsersAndSessions';
import { CreateRefreshTokens1764331300000 } from './1764331300000-CreateRefreshTokens';
import { CreateApiKeys1764331400000 } from './1764331400000-CreateApiKeys';

/** Every migration of the module, oldest first; add them to the host's DataSource. */
export const authMigrations = [
  CreateUsersAndSessions1764331200000,
  CreateRefreshTokens1764331300000,
  CreateApiKeys1764331400000,
  CreateAuthEvents1764331500000,
];
