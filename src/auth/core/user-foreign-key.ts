import { MigrationInterface, QueryRunner, TableForeignKey } from 'typeorm';
import type { MigrationClass } from './auth-feature';
import type { EntitySchemaForeignKeyOptions } from 'typeorm/entity-schema/EntitySchemaForeignKeyOptions';
import { SchemaContext } from './database';

/**
 * With the built-in users table, the module's rows of a user go when the user does. A host with a
 * users table of its own gets no foreign key: its ids may not even be text.
 */
export function builtInUserForeignKey(
  context: SchemaContext,
  table: string,
  column = 'user_id',
): EntitySchemaForeignKeyOptions[] {
  if (!context.builtInUsers) return [];
  return [
    {
      name: `FK_${table}_${column}`,
      target: 'auth_users',
      columnNames: [column],
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    },
  ];
}

/**
 * A feature's migration that, with the built-in users table, also ties its tables' `user_id` to it:
 * the same class (and name) either way, so the migration history does not depend on the choice.
 */
export function linkedToUsers(
  migration: MigrationClass,
  tables: readonly string[],
  builtInUsers: boolean,
): MigrationClass {
  if (!builtInUsers) return migration;
  const base = migration as new () => MigrationInterface;
  const linked = class extends base {
    async up(queryRunner: QueryRunner): Promise<void> {
      await super.up(queryRunner);
      for (const table of tables) {
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
      for (const table of tables) await queryRunner.dropForeignKey(table, `FK_${table}_user_id`);
      await super.down(queryRunner);
    }
  };
  Object.defineProperty(linked, 'name', { value: migration.name });
  return linked;
}
