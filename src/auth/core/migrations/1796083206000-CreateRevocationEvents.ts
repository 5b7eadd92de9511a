import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../database';

export class CreateRevocationEvents1796083206000 implements MigrationInterface {
  name = 'CreateRevocationEvents1796083206000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'auth_revocation_events',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'type', type: 'varchar', length: '32' },
          { name: 'body', type: 'text' },
          { name: 'created_at', type: migrationTimestampType(queryRunner) },
        ],
        indices: [{ name: 'IDX_auth_revocation_events_created', columnNames: ['created_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_revocation_events');
  }
}
