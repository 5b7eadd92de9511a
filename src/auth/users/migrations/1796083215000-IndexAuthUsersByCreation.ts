import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/** The order of an admin's user list, newest first, paged by (created_at, id). */
export class IndexAuthUsersByCreation1796083215000 implements MigrationInterface {
  name = 'IndexAuthUsersByCreation1796083215000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'auth_users',
      new TableIndex({ name: 'IDX_auth_users_created_at_id', columnNames: ['created_at', 'id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('auth_users', 'IDX_auth_users_created_at_id');
  }
}
