import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** Sessions an admin made acting as the user (impersonation) are listed as theirs: who, by id and address. */
export class AddActorToSessions1796083282000 implements MigrationInterface {
  name = 'AddActorToSessions1796083282000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('auth_sessions', [
      new TableColumn({ name: 'actor_id', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'actor_email', type: 'varchar', length: '254', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('auth_sessions', ['actor_id', 'actor_email']);
  }
}
