import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types';

export class CreateRefreshTokens1764331300000 implements MigrationInterface {
  name = 'CreateRefreshTokens1764331300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    const userForeignKey = {
      columnNames: ['user_id'],
      referencedTableName: 'auth_users',
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    };
    await queryRunner.createTable(
      new Table({
        name: 'auth_refresh_token_families',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'created_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
          { name: 'revoked_at', type: timestamp, isNullable: true },
        ],
        indices: [
          { name: 'IDX_auth_refresh_token_families_user', columnNames: ['user_id'] },
          { name: 'IDX_auth_refresh_token_families_expires', columnNames: ['expires_at'] },
          { name: 'IDX_auth_refresh_token_families_revoked', columnNames: ['revoked_at'] },
        ],
        foreignKeys: [userForeignKey],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_refresh_tokens',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'family_id', type: 'varchar', length: '36' },
          { name: 'token_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'created_at', type: timestamp },
          { name: 'spent_at', type: timestamp, isNullable: true },
        ],
        indices: [{ name: 'IDX_auth_refresh_tokens_family', columnNames: ['family_id'] }],
        foreignKeys: [
          {
            columnNames: ['family_id'],
            referencedTableName: 'auth_refresh_token_families',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_user_token_cutoffs',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'valid_after', type: timestamp },
        ],
        foreignKeys: [userForeignKey],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_user_token_cutoffs');
    await queryRunner.dropTable('auth_refresh_tokens');
    await queryRunner.dropTable('auth_refresh_token_families');
  }
}
