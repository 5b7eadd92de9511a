import { CreateUsersAndSessions1764331200000 } from './1764331200000-CreateUsersAndSessions';

/** Every migration of the module, oldest first; add them to the host's DataSource. */
export const authMigrations = [CreateUsersAndSessions1764331200000];
