import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

/**
 * What a user needs to recognise a signed-in app (when it was last used, from where, with which client)
 * and who made it when it was an admin acting as the user (impersonation, RFC 8693 `act`).
 */
export class AddClientToRefreshTokenFamilies1796083281000 implements MigrationInterface {
  name = 'AddClientToRefreshTokenFamilies1796083281000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('auth_refresh_token_families', [
      new TableColumn({ name: 'last_used_at', type: migrationTimestampType(queryRunner), isNullable: true }),
      new TableColumn({ name: 'ip', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'user_agent', type: 'varchar', length: '512', isNullable: true }),
      new TableColumn({ name: 'actor_id', type: 'varchar', length: '64', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('auth_refresh_token_families', ['last_used_at', 'ip', 'user_agent', 'actor_id']);
  }
}
