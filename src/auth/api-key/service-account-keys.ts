import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { ApiKeysService, CreatedApiKey, NewApiKey } from './api-keys.service';

export class ServiceAccountError extends Error {}

/**
 * Keys for another service without a person's password: the key belongs to a user with role
 * `service` and no password (it can never log in), created on first use.
 */
@Injectable()
export class ServiceAccountKeys {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly usersService: UsersService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async issue(email: string, key: NewApiKey): Promise<{ account: User; created: CreatedApiKey; newAccount: boolean }> {
    const normalized = email.trim().toLowerCase();
    let account = await this.users.findOneBy({ email: normalized });
    const newAccount = !account;
    if (!account) {
      account = await this.usersService.create({ email: normalized, password: null, name: key.name, roles: ['service'] });
    } else if (!account.roles.includes('service')) {
      // A person's account gets keys only through their own login, never from the command line.
      throw new ServiceAccountError(`${normalized} exists and is not a service account`);
    } else if (account.disabledAt) {
      throw new ServiceAccountError(`${normalized} is disabled`);
    }
    return { account, created: await this.apiKeys.create(account.id, key), newAccount };
  }
}
