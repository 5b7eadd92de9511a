import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One refresh token of a family, stored only as the SHA-256 of its value. */
@Entity({ name: 'auth_refresh_tokens' })
export class RefreshToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index()
  @Column({ name: 'family_id', type: 'varchar', length: 36 })
  familyId: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true, select: false })
  tokenHash: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  /** Set once, by the one request that spends the token; a later presentation is a reuse. */
  @Column({ name: 'spent_at', type: Date, nullable: true })
  spentAt: Date | null;
}
