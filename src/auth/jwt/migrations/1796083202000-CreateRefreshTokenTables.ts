import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

export class CreateRefreshTokenTables1796083202000 implements MigrationInterface {
  name = 'CreateRefreshTokenTables1796083202000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = migrationTimestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_refresh_token_families',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'created_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
          { name: 'revoked_at', type: timestamp, isNullable: true },
        ],
        indices: [
          { name: 'IDX_auth_refresh_token_families_user', columnNames: ['user_id'] },
          { name: 'IDX_auth_refresh_token_families_expires', columnNames: ['expires_at'] },
          { name: 'IDX_auth_refresh_token_families_revoked', columnNames: ['revoked_at'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_refresh_tokens',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'family_id', type: 'varchar', length: '36' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'created_at', type: timestamp },
          { name: 'spent_at', type: timestamp, isNullable: true },
        ],
        uniques: [{ name: 'UQ_auth_refresh_tokens_token_hash', columnNames: ['token_hash'] }],
        indices: [{ name: 'IDX_auth_refresh_tokens_family', columnNames: ['family_id'] }],
        foreignKeys: [
          {
            name: 'FK_auth_refresh_tokens_family_id',
            columnNames: ['family_id'],
            referencedTableName: 'auth_refresh_token_families',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_refresh_tokens');
    await queryRunner.dropTable('auth_refresh_token_families');
  }
}
