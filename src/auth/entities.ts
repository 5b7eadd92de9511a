import { RefreshToken } from './jwt/refresh-token.entity';
import { RefreshTokenFamily } from './jwt/refresh-token-family.entity';
import { UserTokenCutoff } from './jwt/user-token-cutoff.entity';
import { AuthEvent } from './audit/auth-event.entity';
import { ApiKey } from './api-key/api-key.entity';
import { SessionRecord } from './session/session-record.entity';
import { UserSession } from './session/user-session.entity';
import { User } from './users/user.entity';

/** Every entity of the module; add them to the host's DataSource. */
export const authEntities = [User, UserSession, SessionRecord, AuthEvent, RefreshTokenFamily, RefreshToken, UserTokenCutoff, ApiKey];
