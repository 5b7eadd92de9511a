import { ConflictException, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { QueryFailedError, Repository } from 'typeorm';
import { AUTH_OPTIONS, ResolvedAuthOptions } from '../auth.options';
import { PasswordHasher } from './password-hasher';
import { User, UserRole } from './user.entity';

export interface CredentialCheck {
  user: User | null;
  knownUserId: string | null;
}

export interface NewUser {
  email: string;
  password: string | null;
  name?: string | null;
  roles?: UserRole[];
}

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.options.bootstrapAdmin;
    if (!admin) return;
    const email = admin.email.trim().toLowerCase();
    if (await this.users.existsBy({ email })) return;
    try {
      await this.create({ email, password: admin.password, roles: ['admin'] });
      this.logger.log(`Created bootstrap admin ${email}`);
    } catch (error) {
      // Another instance starting at the same moment created it first.
      if (!(error instanceof ConflictException)) throw error;
    }
  }

  async create(input: NewUser): Promise<User> {
    const user = this.users.create({
      id: randomUUID(),
      email: input.email,
      name: input.name ?? null,
      passwordHash: input.password === null ? null : await this.hasher.hash(input.password),
      roles: input.roles ?? ['user'],
      disabledAt: null,
    });
    try {
      await this.users.insert(user);
    } catch (error) {
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(String(error.message))) {
        throw new ConflictException('Email already registered');
      }
      throw error;
    }
    return user;
  }

  /**
   * `user` is set only when the password matches an enabled account; disabled accounts and unknown
   * emails fail alike. `knownUserId` says whose email it was either way, for the audit trail only.
   */
  async checkCredentials(email: string, password: string): Promise<CredentialCheck> {
    const user = await this.users.findOne({
      where: { email },
      select: { id: true, email: true, name: true, roles: true, disabledAt: true, passwordHash: true, createdAt: true },
    });
    const valid = await this.hasher.verify(user?.passwordHash, password);
    return { user: user && valid && !user.disabledAt ? user : null, knownUserId: user?.id ?? null };
  }

  async verifyPassword(userId: string, password: string): Promise<boolean> {
    const user = await this.users.findOne({ where: { id: userId }, select: { id: true, passwordHash: true } });
    return this.hasher.verify(user?.passwordHash, password);
  }

  async setPassword(userId: string, password: string): Promise<void> {
    await this.users.update({ id: userId }, { passwordHash: await this.hasher.hash(password) });
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  async setDisabled(id: string, disabled: boolean): Promise<User | null> {
    const user = await this.users.findOneBy({ id });
    if (!user) return null;
    user.disabledAt = disabled ? (user.disabledAt ?? new Date()) : null;
    await this.users.update({ id }, { disabledAt: user.disabledAt });
    return user;
  }
}
