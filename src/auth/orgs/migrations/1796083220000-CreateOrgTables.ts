import { MigrationInterface, QueryRunner, Table, TableForeignKey } from 'typeorm';
import { migrationTimestampType } from '../../core/database';

const toOrg = (table: string) =>
  new TableForeignKey({
    name: `FK_${table}_org_id`,
    columnNames: ['org_id'],
    referencedTableName: 'auth_orgs',
    referencedColumnNames: ['id'],
    onDelete: 'CASCADE',
  });

export class CreateOrgTables1796083220000 implements MigrationInterface {
  name = 'CreateOrgTables1796083220000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = migrationTimestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_orgs',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'slug', type: 'varchar', length: '64' },
          { name: 'require_mfa', type: 'boolean' },
          { name: 'key_owner_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        uniques: [{ name: 'UQ_auth_orgs_slug', columnNames: ['slug'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_org_members',
        columns: [
          { name: 'org_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'role', type: 'varchar', length: '40' },
          { name: 'joined_at', type: timestamp },
        ],
        indices: [
          { name: 'IDX_auth_org_members_user', columnNames: ['user_id'] },
          { name: 'IDX_auth_org_members_joined', columnNames: ['org_id', 'joined_at', 'user_id'] },
        ],
        foreignKeys: [toOrg('auth_org_members')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_org_roles',
        columns: [
          { name: 'org_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '40', isPrimary: true },
          { name: 'permissions', type: 'text' },
          { name: 'created_at', type: timestamp },
        ],
        foreignKeys: [toOrg('auth_org_roles')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_org_invitations',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'org_id', type: 'varchar', length: '36' },
          { name: 'email', type: 'varchar', length: '254' },
          { name: 'role', type: 'varchar', length: '40' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'invited_by', type: 'varchar', length: '64' },
          { name: 'created_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
          { name: 'accepted_at', type: timestamp, isNullable: true },
        ],
        uniques: [{ name: 'UQ_auth_org_invitations_token_hash', columnNames: ['token_hash'] }],
        indices: [{ name: 'IDX_auth_org_invitations_org', columnNames: ['org_id', 'created_at'] }],
        foreignKeys: [toOrg('auth_org_invitations')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_org_api_keys',
        columns: [
          { name: 'api_key_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'org_id', type: 'varchar', length: '36' },
          { name: 'created_by', type: 'varchar', length: '64' },
          { name: 'created_at', type: timestamp },
        ],
        indices: [{ name: 'IDX_auth_org_api_keys_org', columnNames: ['org_id'] }],
        foreignKeys: [toOrg('auth_org_api_keys')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'auth_org_events',
        columns: [
          { name: 'event_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'org_id', type: 'varchar', length: '36' },
          { name: 'created_at', type: timestamp },
        ],
        indices: [{ name: 'IDX_auth_org_events_org_created', columnNames: ['org_id', 'created_at', 'event_id'] }],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_auth_org_events_event_id',
            columnNames: ['event_id'],
            referencedTableName: 'auth_events',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'auth_org_events',
      'auth_org_api_keys',
      'auth_org_invitations',
      'auth_org_roles',
      'auth_org_members',
      'auth_orgs',
    ])
      await queryRunner.dropTable(table);
  }
}
