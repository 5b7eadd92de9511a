import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** express-session's key-value store in SQL, for the embedded mode (Redis holds it in production). */
@Entity({ name: 'auth_session_store' })
export class SessionRecord {
  /** SHA-256 of the session ID: a stolen table dump holds no usable cookie. */
  @PrimaryColumn({ name: 'sid_hash', type: 'varchar', length: 64 })
  sidHash: string;

  @Column({ type: 'text' })
  data: string;

  @Index()
  @Column({ name: 'expires_at', type: Date })
  expiresAt: Date;
}
