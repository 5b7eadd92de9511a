import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../database';

export class CreateUserRevocations1796083205000 implements MigrationInterface {
  name = 'CreateUserRevocations1796083205000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'auth_user_revocations',
        columns: [
          { name: 'user_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'epoch', type: 'integer' },
          { name: 'revoked_at', type: migrationTimestampType(queryRunner) },
        ],
        indices: [{ name: 'IDX_auth_user_revocations_revoked', columnNames: ['revoked_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_user_revocations');
  }
}
