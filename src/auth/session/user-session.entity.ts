import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The list of a user's sessions, in both storage modes, so users can see and end them. */
@Entity({ name: 'auth_sessions' })
@Index(['userId', 'expiresAt'])
export class UserSession {
  /** Public identifier, unrelated to the session ID. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'sid_hash', type: 'varchar', length: 64, unique: true, select: false })
  sidHash: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'last_seen_at', type: Date })
  lastSeenAt: Date;

  @Index()
  @Column({ name: 'expires_at', type: Date })
  expiresAt: Date;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;
}
