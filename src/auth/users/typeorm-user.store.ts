import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Equal, FindOptionsWhere, In, LessThan, QueryFailedError, Raw, Repository } from 'typeorm';
import {
  AuthUser,
  EmailTakenError,
  ListedUser,
  NewAuthUser,
  UserPage,
  UserSearch,
  UserStore,
} from '../core/user-store';
import { User } from './user.entity';
import { normalizeEmail } from '../core/email-address';
import { decodePageCursor, encodePageCursor } from '../core/page-cursor';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PUBLIC_COLUMNS = {
  id: true,
  email: true,
  name: true,
  roles: true,
  disabledAt: true,
  emailVerifiedAt: true,
} as const;

function toAuthUser(user: User): AuthUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles,
    disabled: user.disabledAt !== null,
    emailVerified: user.emailVerifiedAt !== null,
  };
}

/** `%`, `_` and the escape character itself match only themselves. */
const likeSubstring = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The default users port: the module's own `auth_users` table. */
@Injectable()
export class TypeOrmUserStore implements UserStore {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async findById(id: string): Promise<AuthUser | null> {
    if (!UUID.test(id)) return null;
    const user = await this.users.findOne({ where: { id }, select: PUBLIC_COLUMNS });
    return user && toAuthUser(user);
  }

  async findByIds(ids: string[]): Promise<AuthUser[]> {
    const valid = ids.filter((id) => UUID.test(id));
    if (!valid.length) return [];
    const users = await this.users.find({ where: { id: In(valid) }, select: PUBLIC_COLUMNS });
    return users.map(toAuthUser);
  }

  async findByEmail(email: string): Promise<AuthUser | null> {
    const user = await this.users.findOne({ where: { email }, select: PUBLIC_COLUMNS });
    return user && toAuthUser(user);
  }

  async findForLogin(email: string): Promise<{ user: AuthUser; passwordHash: string | null } | null> {
    const user = await this.users.findOne({ where: { email }, select: { ...PUBLIC_COLUMNS, passwordHash: true } });
    return user && { user: toAuthUser(user), passwordHash: user.passwordHash };
  }

  async passwordHashOf(id: string): Promise<string | null> {
    if (!UUID.test(id)) return null;
    const user = await this.users.findOne({ where: { id }, select: { id: true, passwordHash: true } });
    return user?.passwordHash ?? null;
  }

  async create(input: NewAuthUser): Promise<AuthUser> {
    const user = this.users.create({
      id: randomUUID(),
      ...input,
      disabledAt: null,
      emailVerifiedAt: null,
      createdAt: new Date(),
    });
    try {
      await this.users.insert(user);
    } catch (error) {
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(String(error.message)))
        throw new EmailTakenError();
      throw error;
    }
    return toAuthUser(user);
  }

  async setPasswordHash(id: string, passwordHash: string, manager?: EntityManager): Promise<void> {
    if (UUID.test(id)) await this.in(manager).update({ id }, { passwordHash });
  }

  async replacePasswordHash(id: string, expected: string, next: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const { affected } = await this.users.update({ id, passwordHash: expected }, { passwordHash: next });
    return affected === 1;
  }

  async setEmailVerified(id: string, verified: boolean, manager?: EntityManager): Promise<void> {
    if (UUID.test(id)) await this.in(manager).update({ id }, { emailVerifiedAt: verified ? new Date() : null });
  }

  async setEmail(id: string, email: string, manager?: EntityManager): Promise<void> {
    if (!UUID.test(id)) return;
    try {
      await this.in(manager).update({ id }, { email, emailVerifiedAt: new Date() });
    } catch (error) {
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(String(error.message)))
        throw new EmailTakenError();
      throw error;
    }
  }

  async searchUsers(search: UserSearch): Promise<UserPage | null> {
    const after = search.cursor === undefined ? undefined : decodePageCursor(search.cursor);
    if (after === null || (after && !UUID.test(after.id))) return null;
    const email: FindOptionsWhere<User> = search.query
      ? {
          email: Raw((column) => `${column} LIKE :pattern ESCAPE '\\'`, {
            pattern: likeSubstring(normalizeEmail(search.query)),
          }),
        }
      : {};
    // Keyset: strictly after the cursor's (createdAt, id) in (createdAt DESC, id DESC) order.
    const where = after
      ? [
          { ...email, createdAt: LessThan(after.at) },
          { ...email, createdAt: Equal(after.at), id: LessThan(after.id) },
        ]
      : email;
    const rows = await this.users.find({
      where,
      select: { ...PUBLIC_COLUMNS, createdAt: true },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: search.limit + 1,
    });
    const page = rows.slice(0, search.limit);
    const items: ListedUser[] = page.map((user) => ({
      ...toAuthUser(user),
      disabledAt: user.disabledAt,
      createdAt: user.createdAt,
    }));
    return {
      items,
      nextCursor:
        rows.length > search.limit ? encodePageCursor(page[page.length - 1].createdAt, page[page.length - 1].id) : null,
    };
  }

  async setDisabled(id: string, disabled: boolean, manager?: EntityManager): Promise<AuthUser | null> {
    if (!UUID.test(id)) return null;
    const users = this.in(manager);
    const user = await users.findOne({ where: { id }, select: PUBLIC_COLUMNS });
    if (!user) return null;
    user.disabledAt = disabled ? (user.disabledAt ?? new Date()) : null;
    await users.update({ id }, { disabledAt: user.disabledAt });
    return toAuthUser(user);
  }

  async setRoles(id: string, roles: string[], manager?: EntityManager): Promise<AuthUser | null> {
    if (!UUID.test(id)) return null;
    const users = this.in(manager);
    const user = await users.findOne({ where: { id }, select: PUBLIC_COLUMNS });
    if (!user) return null;
    await users.update({ id }, { roles });
    return toAuthUser({ ...user, roles });
  }

  async delete(id: string, manager?: EntityManager): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const { affected } = await this.in(manager).delete({ id });
    return !!affected;
  }

  private in(manager: EntityManager | undefined): Repository<User> {
    return manager ? manager.getRepository(User) : this.users;
  }
}
