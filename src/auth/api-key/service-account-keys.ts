import { Inject, Injectable } from '@nestjs/common';
import { AuthUser, EmailTakenError, USER_STORE, UserStore } from '../core/user-store';
import { ApiKeysService, CreatedApiKey, NewApiKey } from './api-keys.service';
import { normalizeEmail } from '../core/email-address';

export class ServiceAccountError extends Error {}

/**
 * Keys for another service without a person's password: the key belongs to a user with role
 * `service` and no password (it can never log in), created on first use.
 */
@Injectable()
export class ServiceAccountKeys {
  constructor(
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async issue(
    email: string,
    key: NewApiKey,
  ): Promise<{ account: AuthUser; created: CreatedApiKey; newAccount: boolean }> {
    const normalized = normalizeEmail(email);
    let account = await this.users.findByEmail(normalized);
    const newAccount = !account;
    if (!account) {
      account = await this.users
        .create({ email: normalized, passwordHash: null, name: key.name, roles: ['service'] })
        .catch((error: unknown) => {
          throw error instanceof EmailTakenError
            ? new ServiceAccountError(`${normalized} was registered meanwhile; try again`)
            : error;
        });
    } else if (!account.roles.includes('service')) {
      // A person's account gets keys only through their own login, never from the command line.
      throw new ServiceAccountError(`${normalized} exists and is not a service account`);
    } else if (account.disabled) {
      throw new ServiceAccountError(`${normalized} is disabled`);
    }
    return { account, created: await this.apiKeys.create(account.id, key), newAccount };
  }
}
