import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  Column,
  Entity,
  FindOptionsWhere,
  LessThan,
  Like,
  MigrationInterface,
  PrimaryGeneratedColumn,
  QueryFailedError,
  QueryRunner,
  Repository,
  Table,
} from 'typeorm';
import { AuthUser, EmailTakenError, NewAuthUser, UserPage, UserSearch, UserStore } from '@nest-auth/core';

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

function toAuthUser(member: Member): AuthUser {
  return {
    id: String(member.memberNo),
    email: member.mail,
    name: member.displayName,
    roles: ROLES[member.role],
    disabled: member.blocked,
    emailVerified: member.mailConfirmed,
  };
}

/** The host's adapter of the module's users port. */
@Injectable()
export class MemberStore implements UserStore {
  constructor(@InjectRepository(Member) private readonly members: Repository<Member>) {}

  /** Ids of this table are integers: anything else is nobody's, answered without a query. */
  private memberNo(id: string): number | null {
    return /^[1-9]\d{0,9}$/.test(id) ? Number(id) : null;
  }

  async findById(id: string): Promise<AuthUser | null> {
    const memberNo = this.memberNo(id);
    const member = memberNo === null ? null : await this.members.findOneBy({ memberNo });
    return member && toAuthUser(member);
  }

  async findByEmail(email: string): Promise<AuthUser | null> {
    const member = await this.members.findOneBy({ mail: email });
    return member && toAuthUser(member);
  }

  async findForLogin(email: string): Promise<{ user: AuthUser; passwordHash: string | null } | null> {
    const member = await this.members.findOneBy({ mail: email });
    return member && { user: toAuthUser(member), passwordHash: member.secretHash };
  }

  async passwordHashOf(id: string): Promise<string | null> {
    const memberNo = this.memberNo(id);
    return memberNo === null ? null : ((await this.members.findOneBy({ memberNo }))?.secretHash ?? null);
  }

  async create(user: NewAuthUser): Promise<AuthUser> {
    const role = user.roles.includes('admin') ? 'admin' : user.roles.includes('service') ? 'service' : 'member';
    try {
      const member = await this.members.save(
        this.members.create({
          mail: user.email,
          displayName: user.name,
          secretHash: user.passwordHash,
          role,
          blocked: false,
          mailConfirmed: false,
        }),
      );
      return toAuthUser(member);
    } catch (error) {
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(error.message)) throw new EmailTakenError();
      throw error;
    }
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    const memberNo = this.memberNo(id);
    if (memberNo !== null) await this.members.update({ memberNo }, { secretHash: passwordHash });
  }

  async setEmailVerified(id: string, verified: boolean): Promise<void> {
    const memberNo = this.memberNo(id);
    if (memberNo !== null) await this.members.update({ memberNo }, { mailConfirmed: verified });
  }

  async setEmail(id: string, email: string): Promise<void> {
    const memberNo = this.memberNo(id);
    if (memberNo === null) return;
    try {
      await this.members.update({ memberNo }, { mail: email, mailConfirmed: true });
    } catch (error) {
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(error.message)) throw new EmailTakenError();
      throw error;
    }
  }

  async setDisabled(id: string, disabled: boolean): Promise<AuthUser | null> {
    const memberNo = this.memberNo(id);
    if (memberNo === null) return null;
    await this.members.update({ memberNo }, { blocked: disabled });
    return this.findById(id);
  }

  /** Newest member first; the cursor is the last member number shown. This table keeps no timestamps. */
  async searchUsers(search: UserSearch): Promise<UserPage | null> {
    const after = search.cursor === undefined ? undefined : this.memberNo(search.cursor);
    if (after === null) return null;
    const where: FindOptionsWhere<Member> = {
      ...(search.query ? { mail: Like(`%${search.query.toLowerCase().replace(/[\\%_]/g, '')}%`) } : {}),
      ...(after ? { memberNo: LessThan(after) } : {}),
    };
    const rows = await this.members.find({ where, order: { memberNo: 'DESC' }, take: search.limit + 1 });
    const page = rows.slice(0, search.limit);
    return {
      items: page.map((member) => ({ ...toAuthUser(member), disabledAt: null, createdAt: null })),
      nextCursor: rows.length > search.limit ? String(page[page.length - 1].memberNo) : null,
    };
  }
}

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
