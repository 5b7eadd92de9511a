import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One login's chain of refresh tokens; revoking it ends every refresh and access token of that login. */
@Entity({ name: 'auth_refresh_token_families' })
export class RefreshTokenFamily {
  /** Also the `sid` claim of the family's access tokens. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index()
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  /** Absolute end of the family, fixed at login; rotation never extends it. */
  @Index()
  @Column({ name: 'expires_at', type: Date })
  expiresAt: Date;

  @Index()
  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt: Date | null;
}
