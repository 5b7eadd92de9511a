import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';

export const AUTH_EVENT_TYPES = [
  'user.registered',
  'login.succeeded',
  'login.failed',
  'lockout',
  'logout',
  'logout_all',
  'password.changed',
  'password.check_failed',
  'token.refreshed',
  'refresh_token.reuse_detected',
  'token_family.revoked',
  'session.revoked',
  'user.roles_changed',
  'impersonation.started',
  'impersonation.ended',
  'user.deleted',
  'account.exported',
  'api_key.created',
  'api_key.rotated',
  'api_key.revoked',
  'service_certificate.registered',
  'service_certificate.revoked',
  'user.disabled',
  'user.enabled',
  'email.verification_sent',
  'email.verified',
  'email.change_requested',
  'email.changed',
  'password.reset_requested',
  'password.reset',
  'passkey.registered',
  'passkey.removed',
  'mfa.challenged',
  'mfa.failed',
  'mfa.totp_enabled',
  'mfa.totp_disabled',
  'mfa.recovery_codes_generated',
  'mfa.recovery_code_used',
  'identity.linked',
  'identity.unlinked',
  'account.first_proof_of_address',
  'reauthenticated',
  'reauthentication.failed',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'org.created',
  'org.updated',
  'org.deleted',
  'org.member_added',
  'org.member_role_changed',
  'org.member_removed',
  'org.invitation_created',
  'org.invitation_revoked',
  'org.role_created',
  'org.role_updated',
  'org.role_deleted',
  'org.api_key_created',
  'org.api_key_revoked',
] as const;

export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

/**
 * One security-relevant event. Never holds a password, token, key, session ID or hash of one. Not
 * tied to the users table: the trail outlives the user it tells of.
 */
export class AuthEvent {
  id: string;
  type: AuthEventType;
  userId: string | null;
  /** The user who acted, when not the subject (an admin disabling someone). */
  actorId: string | null;
  mechanism: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, string | number | boolean> | null;
  createdAt: Date;
}

export const authEventSchema = (context: SchemaContext) =>
  new EntitySchema<AuthEvent>({
    name: 'AuthEvent',
    target: AuthEvent,
    tableName: 'auth_events',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      type: { type: 'varchar', length: 40 },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH, nullable: true },
      actorId: { name: 'actor_id', type: 'varchar', length: USER_ID_LENGTH, nullable: true },
      mechanism: { type: 'varchar', length: 16, nullable: true },
      ip: { type: 'varchar', length: 64, nullable: true },
      userAgent: { name: 'user_agent', type: 'varchar', length: 512, nullable: true },
      detail: { type: 'simple-json', nullable: true },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    indices: [
      { name: 'IDX_auth_events_user_created', columns: ['userId', 'createdAt'] },
      { name: 'IDX_auth_events_type_created', columns: ['type', 'createdAt'] },
      { name: 'IDX_auth_events_created', columns: ['createdAt'] },
    ],
  });
