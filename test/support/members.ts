import { Injectable } from '@nestjs/common';
import { Column, Entity, MigrationInterface, PrimaryGeneratedColumn, QueryRunner, Table } from 'typeorm';
import { AuthUser, typeOrmUserStore } from '@nest-auth/core';

/** A host app's own users table: integer ids, its own column names, no `auth_users` anywhere. */
@Entity({ name: 'members' })
export class Member {
  @PrimaryGeneratedColumn({ name: 'member_no' })
  memberNo: number;

  @Column({ name: 'mail', type: 'varchar', length: 254, unique: true })
  mail: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200, nullable: true })
  displayName: string | null;

  @Column({ name: 'secret_hash', type: 'varchar', length: 255, nullable: true })
  secretHash: string | null;

  @Column({ name: 'role', type: 'varchar', length: 20 })
  role: 'member' | 'admin' | 'service';

  @Column({ name: 'blocked', type: 'boolean' })
  blocked: boolean;

  @Column({ name: 'mail_confirmed', type: 'boolean' })
  mailConfirmed: boolean;
}

export class CreateMembers1700000000000 implements MigrationInterface {
  name = 'CreateMembers1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'members',
        columns: [
          { name: 'member_no', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'mail', type: 'varchar', length: '254', isUnique: true },
          { name: 'display_name', type: 'varchar', length: '200', isNullable: true },
          { name: 'secret_hash', type: 'varchar', length: '255', isNullable: true },
          { name: 'role', type: 'varchar', length: '20' },
          { name: 'blocked', type: 'boolean' },
          { name: 'mail_confirmed', type: 'boolean' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('members');
  }
}

const ROLES: Record<Member['role'], string[]> = { member: ['user'], admin: ['user', 'admin'], service: ['service'] };

/** The host's adapter of the module's users port: the package's helper, mapped to this table's properties. */
export class MemberStore extends typeOrmUserStore(Member, {
  id: 'memberNo',
  email: 'mail',
  name: 'displayName',
  passwordHash: 'secretHash',
  roles: {
    read: (member) => ROLES[member.role],
    write: (roles): Partial<Member> => ({
      role: roles.includes('admin') ? 'admin' : roles.includes('service') ? 'service' : 'member',
    }),
  },
  disabled: 'blocked',
  emailVerified: 'mailConfirmed',
}) {}

/** A pause a test can put in the next login's first read of the user, to run something in between. */
export class LoginGate {
  private reached?: () => void;
  private release?: () => void;

  /** Resolves when the next login has read its user and waits; call the function it gives to let it go on. */
  armed(): Promise<() => void> {
    return new Promise((resolve) => {
      this.reached = () => resolve(() => this.release?.());
    });
  }

  async pass(): Promise<void> {
    const reached = this.reached;
    if (!reached) return;
    this.reached = undefined;
    await new Promise<void>((resolve) => {
      this.release = resolve;
      reached();
    });
  }
}

export const loginGate = new LoginGate();

/** MemberStore whose first read of a login can be held at the gate. */
@Injectable()
export class GatedMemberStore extends MemberStore {
  override async findForLogin(email: string): Promise<{ user: AuthUser; passwordHash: string | null } | null> {
    const found = await super.findForLogin(email);
    await loginGate.pass();
    return found;
  }
}
