import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

export class CreatePasskeys1796083211000 implements MigrationInterface {
  name = 'CreatePasskeys1796083211000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = migrationTimestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_passkeys',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'credential_id', type: 'varchar', length: '1364' },
          { name: 'public_key', type: 'text' },
          { name: 'counter', type: 'bigint' },
          { name: 'transports', type: 'text' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'created_at', type: timestamp },
          { name: 'last_used_at', type: timestamp, isNullable: true },
        ],
        uniques: [{ name: 'UQ_auth_passkeys_credential_id', columnNames: ['credential_id'] }],
        indices: [{ name: 'IDX_auth_passkeys_user', columnNames: ['user_id'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_passkeys');
  }
}
