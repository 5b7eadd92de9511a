import type { EntitySchemaForeignKeyOptions } from 'typeorm/entity-schema/EntitySchemaForeignKeyOptions';
import { SchemaContext } from './database';

/**
 * With the built-in users table, the module's rows of a user go when the user does. A host with a
 * users table of its own gets no foreign key: its ids may not even be text.
 */
export function builtInUserForeignKey(context: SchemaContext, table: string, column = 'user_id'): EntitySchemaForeignKeyOptions[] {
  if (!context.builtInUsers) return [];
  return [
    { name: `FK_${table}_${column}`, target: 'auth_users', columnNames: [column], referencedColumnNames: ['id'], onDelete: 'CASCADE' },
  ];
}
