import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

export class CreateEmailTables1796083208000 implements MigrationInterface {
  name = 'CreateEmailTables1796083208000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = migrationTimestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_email_tokens',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'email', type: 'varchar', length: '254' },
          { name: 'expires_at', type: timestamp },
          { name: 'used_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        uniques: [{ name: 'UQ_auth_email_tokens_token_hash', columnNames: ['token_hash'] }],
        indices: [
          { name: 'IDX_auth_email_tokens_user_kind', columnNames: ['user_id', 'kind'] },
          { name: 'IDX_auth_email_tokens_expires', columnNames: ['expires_at'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_mail_queue',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '32' },
          { name: 'payload', type: 'text' },
          { name: 'attempts', type: 'integer' },
          { name: 'next_attempt_at', type: timestamp },
          { name: 'locked_until', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        indices: [{ name: 'IDX_auth_mail_queue_next_attempt', columnNames: ['next_attempt_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_mail_queue');
    await queryRunner.dropTable('auth_email_tokens');
  }
}
