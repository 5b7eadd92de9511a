import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

export class CreateApiKeys1796083203000 implements MigrationInterface {
  name = 'CreateApiKeys1796083203000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = migrationTimestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_api_keys',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'key_hash', type: 'varchar', length: '64' },
          { name: 'prefix', type: 'varchar', length: '12' },
          { name: 'scopes', type: 'text' },
          { name: 'rate_limit_per_minute', type: 'integer' },
          { name: 'created_at', type: timestamp },
          { name: 'last_used_at', type: timestamp, isNullable: true },
          { name: 'expires_at', type: timestamp, isNullable: true },
          { name: 'revoked_at', type: timestamp, isNullable: true },
        ],
        uniques: [{ name: 'UQ_auth_api_keys_key_hash', columnNames: ['key_hash'] }],
        indices: [{ name: 'IDX_auth_api_keys_user', columnNames: ['user_id'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_api_keys');
  }
}
