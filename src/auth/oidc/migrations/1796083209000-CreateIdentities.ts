import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

export class CreateIdentities1796083209000 implements MigrationInterface {
  name = 'CreateIdentities1796083209000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'auth_identities',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'provider', type: 'varchar', length: '32' },
          { name: 'subject', type: 'varchar', length: '255' },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'email', type: 'varchar', length: '254', isNullable: true },
          { name: 'created_at', type: migrationTimestampType(queryRunner) },
        ],
        uniques: [{ name: 'UQ_auth_identities_provider_subject', columnNames: ['provider', 'subject'] }],
        indices: [{ name: 'IDX_auth_identities_user', columnNames: ['user_id'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_identities');
  }
}
