import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

export class CreateMfaTables1796083210000 implements MigrationInterface {
  name = 'CreateMfaTables1796083210000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = migrationTimestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_mfa_totp',
        columns: [
          { name: 'user_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'sealed_secret', type: 'varchar', length: '200' },
          { name: 'confirmed_at', type: timestamp, isNullable: true },
          { name: 'last_used_step', type: 'integer', isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_mfa_recovery_codes',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'key_id', type: 'varchar', length: '8' },
          { name: 'code_hash', type: 'varchar', length: '64' },
          { name: 'used_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        indices: [{ name: 'IDX_auth_mfa_recovery_codes_user', columnNames: ['user_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_mfa_challenges',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'epoch', type: 'integer' },
          { name: 'method', type: 'varchar', length: '32' },
          { name: 'failures', type: 'integer' },
          { name: 'expires_at', type: timestamp },
          { name: 'spent_at', type: timestamp, isNullable: true },
        ],
        indices: [
          { name: 'IDX_auth_mfa_challenges_expires', columnNames: ['expires_at'] },
          { name: 'IDX_auth_mfa_challenges_user', columnNames: ['user_id'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_mfa_challenges');
    await queryRunner.dropTable('auth_mfa_recovery_codes');
    await queryRunner.dropTable('auth_mfa_totp');
  }
}
