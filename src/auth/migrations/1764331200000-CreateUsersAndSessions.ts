import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types';

export class CreateUsersAndSessions1764331200000 implements MigrationInterface {
  name = 'CreateUsersAndSessions1764331200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_users',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'email', type: 'varchar', length: '254', isUnique: true },
          { name: 'name', type: 'varchar', length: '200', isNullable: true },
          { name: 'password_hash', type: 'varchar', length: '255', isNullable: true },
          { name: 'roles', type: 'text' },
          { name: 'disabled_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
          { name: 'updated_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'sid_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'created_at', type: timestamp },
          { name: 'last_seen_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
        ],
        indices: [
          { name: 'IDX_auth_sessions_user_expires', columnNames: ['user_id', 'expires_at'] },
          { name: 'IDX_auth_sessions_expires', columnNames: ['expires_at'] },
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'auth_users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_session_store',
        columns: [
          { name: 'sid_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'data', type: 'text' },
          { name: 'expires_at', type: timestamp },
        ],
        indices: [{ name: 'IDX_auth_session_store_expires', columnNames: ['expires_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_session_store');
    await queryRunner.dropTable('auth_sessions');
    await queryRunner.dropTable('auth_users');
  }
}
