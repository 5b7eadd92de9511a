import { QueryRunner } from 'typeorm';

/** A timestamp column on each driver: PostgreSQL keeps the instant with its zone, SQLite the ISO text TypeORM writes. */
export function timestampType(queryRunner: QueryRunner): string {
  return queryRunner.connection.options.type === 'postgres' ? 'timestamptz' : 'datetime';
}
