import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type UserRole = 'user' | 'admin' | 'service';

@Entity({ name: 'auth_users' })
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 254, unique: true })
  email: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  /** argon2id PHC string; null for service accounts, which can never log in with a password. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true, select: false })
  passwordHash: string | null;

  @Column({ type: 'simple-json' })
  roles: UserRole[];

  @Column({ name: 'disabled_at', type: Date, nullable: true })
  disabledAt: Date | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt: Date;
}

export interface PublicUser {
  id: string;
  email: string;
  name: string | null;
  roles: string[];
}

export function toPublicUser(user: User): PublicUser {
  return { id: user.id, email: user.email, name: user.name, roles: user.roles };
}
