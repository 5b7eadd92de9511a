import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { AppModule } from '../app.module';
import { ServiceAccountKeys } from '../auth';
import { ServiceAccountError } from '../auth/api-key/service-account-keys';
import { ConfigError, loadConfig } from '../config/app.config';

const USAGE = `Creates an API key for another service, owned by a service account (role "service", no password).

  npm run create-service-key -- --email billing@svc.local --name billing --scopes reports:read[,reports:write]
      [--expires-at 2027-01-01T00:00:00Z] [--rate-limit-per-minute 600]

The account is created on first use. The key is printed once, alone on stdout; only its SHA-256 is stored.
Uses the app's environment (DATABASE_URL, REDIS_URL, DATA_DIR, API_KEY_PREFIX, ...).
`;

/** Boots the app's Nest context (no HTTP server), issues one service key and prints it. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string', default: '' },
      'expires-at': { type: 'string' },
      'rate-limit-per-minute': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.email || !values.name) {
    process.stderr.write(USAGE);
    return values.help ? 0 : 2;
  }
  const expiresAt = values['expires-at'] ? new Date(values['expires-at']) : null;
  if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new ServiceAccountError('--expires-at must be an ISO 8601 date');
  const rateLimit = values['rate-limit-per-minute'] === undefined ? undefined : Number(values['rate-limit-per-minute']);
  if (rateLimit !== undefined && (!Number.isInteger(rateLimit) || rateLimit < 1)) {
    throw new ServiceAccountError('--rate-limit-per-minute must be a positive integer');
  }
  const scopes = values.scopes
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

  const app = await NestFactory.createApplicationContext(AppModule.forConfig(loadConfig()), { logger: ['error', 'warn'] });
  try {
    const { account, created, newAccount } = await app.get(ServiceAccountKeys).issue(values.email, {
      name: values.name,
      scopes,
      expiresAt,
      rateLimitPerMinute: rateLimit,
    });
    process.stderr.write(
      `${newAccount ? 'Created service account' : 'Service account'} ${account.email} (${account.id}); ` +
        `key ${created.id} "${created.name}" [${created.scopes.join(', ')}] starts ${created.prefix}. Store it now: it is not shown again.\n`,
    );
    process.stdout.write(`${created.key}\n`);
  } finally {
    await app.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof ServiceAccountError || error instanceof ConfigError;
    process.stderr.write(`create-service-key: ${known ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
