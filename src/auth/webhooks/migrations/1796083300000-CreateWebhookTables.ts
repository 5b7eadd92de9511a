import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

export class CreateWebhookTables1796083300000 implements MigrationInterface {
  name = 'CreateWebhookTables1796083300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = migrationTimestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_webhook_endpoints',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'url', type: 'varchar', length: '2048' },
          { name: 'events', type: 'text' },
          { name: 'description', type: 'varchar', length: '200', isNullable: true },
          { name: 'secret', type: 'varchar', length: '200' },
          { name: 'previous_secret', type: 'varchar', length: '200', isNullable: true },
          { name: 'previous_secret_until', type: timestamp, isNullable: true },
          { name: 'disabled_at', type: timestamp, isNullable: true },
          { name: 'created_by', type: 'varchar', length: '64', isNullable: true },
          { name: 'created_at', type: timestamp },
          { name: 'updated_at', type: timestamp },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_webhook_deliveries',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'endpoint_id', type: 'varchar', length: '36' },
          { name: 'event_id', type: 'varchar', length: '36' },
          { name: 'event_type', type: 'varchar', length: '40' },
          { name: 'payload', type: 'text' },
          { name: 'attempts', type: 'integer' },
          { name: 'last_status', type: 'integer', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '32', isNullable: true },
          { name: 'next_attempt_at', type: timestamp, isNullable: true },
          { name: 'locked_until', type: timestamp, isNullable: true },
          { name: 'retry_until', type: timestamp },
          { name: 'delivered_at', type: timestamp, isNullable: true },
          { name: 'failed_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        indices: [
          { name: 'IDX_auth_webhook_deliveries_due', columnNames: ['next_attempt_at'] },
          { name: 'IDX_auth_webhook_deliveries_endpoint', columnNames: ['endpoint_id', 'created_at'] },
        ],
        foreignKeys: [
          {
            name: 'FK_auth_webhook_deliveries_endpoint',
            columnNames: ['endpoint_id'],
            referencedTableName: 'auth_webhook_endpoints',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_webhook_deliveries');
    await queryRunner.dropTable('auth_webhook_endpoints');
  }
}
