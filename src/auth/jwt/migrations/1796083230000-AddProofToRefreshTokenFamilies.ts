import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

/** When and how the login of a family proved who the user is (`auth_time`, `amr`): refreshes keep it, re-authentication renews it. */
export class AddProofToRefreshTokenFamilies1796083230000 implements MigrationInterface {
  name = 'AddProofToRefreshTokenFamilies1796083230000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('auth_refresh_token_families', [
      new TableColumn({ name: 'auth_time', type: migrationTimestampType(queryRunner), isNullable: true }),
      new TableColumn({ name: 'amr', type: 'varchar', length: '64', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('auth_refresh_token_families', ['auth_time', 'amr']);
  }
}
