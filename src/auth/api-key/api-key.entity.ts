import { EntitySchema } from 'typeorm';
import { SchemaContext, timestampType, USER_ID_LENGTH } from '../core/database';
import { builtInUserForeignKey } from '../core/user-foreign-key';

/** A long-lived machine credential of a user: stored only as the SHA-256 of the key, shown once at creation. */
export class ApiKey {
  id: string;
  userId: string;
  name: string;
  keyHash: string;
  /** The key's first 12 characters, for people to recognise it in lists. */
  prefix: string;
  scopes: string[];
  rateLimitPerMinute: number;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export const apiKeySchema = (context: SchemaContext) =>
  new EntitySchema<ApiKey>({
    name: 'ApiKey',
    target: ApiKey,
    tableName: 'auth_api_keys',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: USER_ID_LENGTH },
      name: { type: 'varchar', length: 100 },
      keyHash: { name: 'key_hash', type: 'varchar', length: 64, select: false },
      prefix: { type: 'varchar', length: 12 },
      scopes: { type: 'simple-json' },
      rateLimitPerMinute: { name: 'rate_limit_per_minute', type: 'integer' },
      createdAt: { name: 'created_at', type: timestampType(context.database) },
      lastUsedAt: { name: 'last_used_at', type: timestampType(context.database), nullable: true },
      expiresAt: { name: 'expires_at', type: timestampType(context.database), nullable: true },
      revokedAt: { name: 'revoked_at', type: timestampType(context.database), nullable: true },
    },
    uniques: [{ name: 'UQ_auth_api_keys_key_hash', columns: ['keyHash'] }],
    indices: [{ name: 'IDX_auth_api_keys_user', columns: ['userId'] }],
    foreignKeys: builtInUserForeignKey(context, 'auth_api_keys'),
  });
