import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

export class CreateSessionTables1796083201000 implements MigrationInterface {
  name = 'CreateSessionTables1796083201000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = migrationTimestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'sid_hash', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'created_at', type: timestamp },
          { name: 'last_seen_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
        ],
        uniques: [{ name: 'UQ_auth_sessions_sid_hash', columnNames: ['sid_hash'] }],
        indices: [
          { name: 'IDX_auth_sessions_user_expires', columnNames: ['user_id', 'expires_at'] },
          { name: 'IDX_auth_sessions_expires', columnNames: ['expires_at'] },
        ],
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
  }
}
