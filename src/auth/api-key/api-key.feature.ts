import type { AuthFeature } from '../core/auth-feature';
import { linkedToUsers } from '../core/user-foreign-key';
import { apiKeySchema } from './api-key.entity';
import { ApiKeyAuthModule } from './api-key.module';
import { API_KEY_OPTIONS, ApiKeyOptions, resolveApiKeyOptions } from './api-key.options';
import { ApiKeysController } from './api-keys.controller';
import { CreateApiKeys1796083203000 } from './migrations/1796083203000-CreateApiKeys';

/** API keys for services: the `apiKey` mechanism, keys shown once and stored hashed, scopes, per-key limits. Options: `apiKeys`. */
export const apiKeys: AuthFeature = {
  name: 'apiKeys',
  mechanism: { name: 'apiKey', rank: 2 },
  options: [{ token: API_KEY_OPTIONS, resolve: (o: { apiKeys?: ApiKeyOptions }) => resolveApiKeyOptions(o.apiKeys) }],
  module: (base) => ApiKeyAuthModule.register(...base),
  controllers: [ApiKeysController],
  schemas: [apiKeySchema],
  migrations: ({ builtInUsers }) => [linkedToUsers(CreateApiKeys1796083203000, ['auth_api_keys'], builtInUsers)],
};
