import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType } from '../core/database';

/** A row of the built-in users table, `auth_users`. */
export class User {
  id: string;
  email: string;
  name: string | null;
  /** argon2id PHC string; null for service accounts, which can never log in with a password. */
  passwordHash: string | null;
  roles: string[];
  disabledAt: Date | null;
  emailVerifiedAt: Date | null;
  createdAt: Date;
}

export const userSchema = (context: SchemaContext) =>
  new EntitySchema<User>({
    name: 'User',
    target: User,
    tableName: 'auth_users',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      email: { type: 'varchar', length: 254 },
      name: { type: 'varchar', length: 200, nullable: true },
      passwordHash: { name: 'password_hash', type: 'varchar', length: 255, nullable: true, select: false },
      roles: { type: 'simple-json' },
      disabledAt: { name: 'disabled_at', type: timestampType(context.database), nullable: true },
      emailVerifiedAt: { name: 'email_verified_at', type: timestampType(context.database), nullable: true },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
    },
    uniques: [{ name: 'UQ_auth_users_email', columns: ['email'] }],
    indices: [{ name: 'IDX_auth_users_created_at_id', columns: ['createdAt', 'id'] }],
  });
