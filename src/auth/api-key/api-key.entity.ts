import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity';

/** A long-lived machine credential of a user: stored only as the SHA-256 of the key, shown once at creation. */
@Entity({ name: 'auth_api_keys' })
export class ApiKey {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index()
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  owner?: User;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'key_hash', type: 'varchar', length: 64, unique: true, select: false })
  keyHash: string;

  /** The key's first 12 characters, for people to recognise it in lists. */
  @Column({ type: 'varchar', length: 12 })
  prefix: string;

  @Column({ type: 'simple-json' })
  scopes: string[];

  @Column({ name: 'rate_limit_per_minute', type: 'int' })
  rateLimitPerMinute: number;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: Date, nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'expires_at', type: Date, nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt: Date | null;
}
