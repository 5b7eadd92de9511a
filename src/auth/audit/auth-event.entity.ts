import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AuthMechanism } from '../core/auth-principal';

export const AUTH_EVENT_TYPES = [
  'user.registered',
  'login.succeeded',
  'login.failed',
  'lockout',
  'logout',
  'logout_all',
  'password.changed',
  'token.refreshed',
  'refresh_token.reuse_detected',
  'token_family.revoked',
  'api_key.created',
  'api_key.rotated',
  'api_key.revoked',
  'user.disabled',
  'user.enabled',
] as const;

export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

/** One security-relevant event. Never holds a password, token, key, session ID or hash of one. */
@Entity({ name: 'auth_events' })
@Index(['userId', 'createdAt'])
@Index(['type', 'createdAt'])
export class AuthEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 40 })
  type: AuthEventType;

  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId: string | null;

  /** The user who acted, when not the subject (an admin disabling someone). */
  @Column({ name: 'actor_id', type: 'varchar', length: 36, nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  mechanism: AuthMechanism | 'password' | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'simple-json', nullable: true })
  detail: Record<string, string | number | boolean> | null;

  @Index()
  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}
