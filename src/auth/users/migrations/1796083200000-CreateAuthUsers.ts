import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

export class CreateAuthUsers1796083200000 implements MigrationInterface {
  name = 'CreateAuthUsers1796083200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = migrationTimestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_users',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'email', type: 'varchar', length: '254' },
          { name: 'name', type: 'varchar', length: '200', isNullable: true },
          { name: 'password_hash', type: 'varchar', length: '255', isNullable: true },
          { name: 'roles', type: 'text' },
          { name: 'disabled_at', type: timestamp, isNullable: true },
          { name: 'email_verified_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        uniques: [{ name: 'UQ_auth_users_email', columnNames: ['email'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_users');
  }
}
