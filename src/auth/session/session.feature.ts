import type { AuthFeature } from '../core/auth-feature';
import { linkedToUsers } from '../core/user-foreign-key';
import { CreateSessionTables1796083201000 } from './migrations/1796083201000-CreateSessionTables';
import { AddActorToSessions1796083282000 } from './migrations/1796083282000-AddActorToSessions';
import { SessionController } from './session.controller';
import { SessionAuthModule } from './session.module';
import { resolveSessionOptions, SESSION_OPTIONS, SessionOptions } from './session.options';
import { sessionRecordSchema } from './session-record.entity';
import { userSessionSchema } from './user-session.entity';

/** Server-side sessions: the `session` mechanism and issuer, the session list, CSRF tokens. Options: `session` (secrets required). */
export const sessions: AuthFeature = {
  name: 'sessions',
  issuer: 'session',
  mechanism: { name: 'session', rank: 0 },
  options: [{ token: SESSION_OPTIONS, resolve: (o: { session?: SessionOptions }) => resolveSessionOptions(o.session) }],
  module: (base) => SessionAuthModule.register(...base),
  controllers: [SessionController],
  schemas: [userSessionSchema, sessionRecordSchema],
  migrations: ({ builtInUsers }) => [
    linkedToUsers(CreateSessionTables1796083201000, ['auth_sessions'], builtInUsers),
    AddActorToSessions1796083282000,
  ],
};
