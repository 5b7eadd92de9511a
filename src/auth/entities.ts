import { SessionRecord } from './session/session-record.entity';
import { UserSession } from './session/user-session.entity';
import { User } from './users/user.entity';

/** Every entity of the module; add them to the host's DataSource. */
export const authEntities = [User, UserSession, SessionRecord];
