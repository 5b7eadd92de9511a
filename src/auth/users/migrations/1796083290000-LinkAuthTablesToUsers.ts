import { MigrationInterface, QueryRunner, TableForeignKey } from 'typeorm';

/** The tables of the module that hold a user id, tied to the built-in users table: a deleted user takes their rows along. */
export const TABLES_WITH_USER_ID = [
  'auth_sessions',
  'auth_refresh_token_families',
  'auth_api_keys',
  'auth_service_certificates',
  'auth_user_revocations',
  'auth_email_tokens',
  'auth_passkeys',
  'auth_mfa_totp',
  'auth_mfa_recovery_codes',
  'auth_mfa_challenges',
  'auth_identities',
];

export class LinkAuthTablesToUsers1796083290000 implements MigrationInterface {
  name = 'LinkAuthTablesToUsers1796083290000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES_WITH_USER_ID) {
      await queryRunner.createForeignKey(
        table,
        new TableForeignKey({
          name: `FK_${table}_user_id`,
          columnNames: ['user_id'],
          referencedTableName: 'auth_users',
          referencedColumnNames: ['id'],
          onDelete: 'CASCADE',
        }),
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES_WITH_USER_ID) await queryRunner.dropForeignKey(table, `FK_${table}_user_id`);
  }
}
