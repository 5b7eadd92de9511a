import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Access tokens of the user issued before `validAfter` are refused: logout-all, password change, disable. */
@Entity({ name: 'auth_user_token_cutoffs' })
export class UserTokenCutoff {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ name: 'valid_after', type: Date })
  validAfter: Date;
}
