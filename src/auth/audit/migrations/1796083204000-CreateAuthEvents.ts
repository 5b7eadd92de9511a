import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

export class CreateAuthEvents1796083204000 implements MigrationInterface {
  name = 'CreateAuthEvents1796083204000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'auth_events',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'type', type: 'varchar', length: '40' },
          { name: 'user_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'actor_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'mechanism', type: 'varchar', length: '16', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          { name: 'detail', type: 'text', isNullable: true },
          { name: 'created_at', type: migrationTimestampType(queryRunner) },
        ],
        indices: [
          { name: 'IDX_auth_events_user_created', columnNames: ['user_id', 'created_at'] },
          { name: 'IDX_auth_events_type_created', columnNames: ['type', 'created_at'] },
          { name: 'IDX_auth_events_created', columnNames: ['created_at'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_events');
  }
}
