import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

/** The list of a user's sessions, in both storage modes, so users can see and end them. */
export class UserSession {
  /** Public identifier, unrelated to the session ID. */
  id: string;
  sidHash: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  /** The admin who made the session acting as the user (impersonation); null for the user's own. */
  actorId: string | null;
  actorEmail: string | null;
}

export const userSessionSchema = (context: SchemaContext) =>
  new EntitySchema<UserSession>({
    name: 'UserSession',
    target: UserSession,
    tableName: 'auth_sessions',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      sidHash: { name: 'sid_hash', type: 'varchar', length: 64, select: false },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
      lastSeenAt: { name: 'last_seen_at', type: timestampType(context.database) },
      expiresAt: { name: 'expires_at', type: timestampType(context.database) },
      ip: { type: 'varchar', length: 64, nullable: true },
      userAgent: { name: 'user_agent', type: 'varchar', length: 512, nullable: true },
      actorId: { name: 'actor_id', type: 'varchar', length: USER_ID_LENGTH, nullable: true },
      actorEmail: { name: 'actor_email', type: 'varchar', length: 254, nullable: true },
    },
    uniques: [{ name: 'UQ_auth_sessions_sid_hash', columns: ['sidHash'] }],
    indices: [
      { name: 'IDX_auth_sessions_user_expires', columns: ['userId', 'expiresAt'] },
      { name: 'IDX_auth_sessions_expires', columns: ['expiresAt'] },
    ],
    foreignKeys: builtInUserForeignKey(context, 'auth_sessions'),
  });
