#!/usr/bin/env node
import 'reflect-metadata';
import { DynamicModule, HttpException, INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import {
  AccountsService,
  ApiKeysService,
  AuthUser,
  CertificateOwner,
  fingerprintOf,
  isScope,
  normalizeEmail,
  PasswordHasher,
  ServiceAccountError,
  ServiceAccountKeys,
  ServiceCertificatesService,
  TrustedIssuers,
} from '../auth';
import { createAuthLogging } from '../auth/ops';
import { USER_STORE, UserStore } from '../auth/extend';
import { ConfigError, loadConfig } from '../config/app.config';
import { dataSourceOptions } from '../config/data-source';
import { importUsers } from './users-import';

/** A failure the operator caused or can fix: printed as one line, exit status 1. */
class CliError extends Error {}

let json = false;
/** `--module`: the host's own root module, instead of the reference app's. */
let hostModule: string | undefined;

/** What a command tells: a line for people, or with --json one JSON object on stdout for scripts. */
function report(human: string, data: object): void {
  process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${human}\n`);
}

/**
 * The module to run the command in: the host's (`--module ./dist/app.module.js#AppModule`, a module
 * class, a dynamic module or a function returning one), so its features, users table and database
 * are the ones used; without it, the reference app's, configured from the environment as the app is.
 */
async function rootModule(): Promise<DynamicModule | Type> {
  if (!hostModule) return AppModule.forConfig(loadConfig());
  const [file, name = 'AppModule'] = hostModule.split('#');
  let exported: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = (require(resolve(file)) as Record<string, unknown>)[name];
  } catch (error) {
    throw new CliError(
      `--module ${hostModule} could not be loaded (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (!exported) throw new CliError(`--module ${file} exports no ${name}`);
  // A module class, a dynamic module, or an (async) arrow function that builds one.
  const isFactory = typeof exported === 'function' && !/^class\b/.test(Function.prototype.toString.call(exported));
  const module: unknown = isFactory ? await (exported as () => unknown)() : exported;
  return module as never;
}

/** The Nest context of the root module; its logs go to stderr. */
async function withApp<T>(run: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const logging = createAuthLogging({
    level: 'warn',
    format: 'json',
    write: (line) => void process.stderr.write(line),
  });
  const app = await NestFactory.createApplicationContext(await rootModule(), {
    logger: logging.logger,
    abortOnError: false,
  });
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}

async function userOf(app: INestApplicationContext, emailOrId: string): Promise<AuthUser> {
  const user = await app.get(AccountsService).findUserByEmailOrId(emailOrId);
  if (!user) throw new CliError(`no user ${emailOrId}`);
  return user;
}

async function passwordFromStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new CliError(
      '--password-stdin reads the password from a pipe, e.g. `printf %s "$PW" | nest-auth user:create ...`',
    );
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const scopesOption = (value: string): string[] => {
  const scopes = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const malformed = scopes.find((scope) => !isScope(scope));
  if (malformed) throw new InvalidArgumentError(`"${malformed}" does not look like resource:action`);
  return scopes;
};

const positiveInteger = (value: string): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a positive integer');
  return number;
};

const isoDate = (value: string): Date => {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError('must be an ISO 8601 date, e.g. 2027-01-01T00:00:00Z');
  return date;
};

export function program(): Command {
  const cli = new Command('nest-auth')
    .description(
      'Operate nest-auth from a shell, with the same environment as the app (DATABASE_URL, REDIS_URL, DATA_DIR, ...).',
    )
    .option('--json', 'print one JSON object on stdout instead of a sentence')
    .option(
      '--module <file#export>',
      "run against your app's root module (its features, users table and database), e.g. dist/app.module.js#AppModule",
    )
    .hook('preAction', (command) => {
      json = !!command.opts().json;
      hostModule = command.opts().module;
    })
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

  cli
    .command('user:create')
    .description('Create a user; the password is read from stdin')
    .requiredOption('--email <email>', 'the address to sign in with')
    .option('--name <name>', 'display name')
    .option('--role <role>', 'user (default), admin or service', 'user')
    .option('--password-stdin', 'read the password from stdin (12 to 128 characters)')
    .action(async (options: { email: string; name?: string; role: string; passwordStdin?: boolean }) => {
      if (!['user', 'admin', 'service'].includes(options.role))
        throw new CliError('--role must be user, admin or service');
      if (!options.passwordStdin)
        throw new CliError('give the password on stdin with --password-stdin (never on the command line)');
      const password = await passwordFromStdin();
      if (password.length < 12 || password.length > 128)
        throw new CliError('the password must be 12 to 128 characters');
      const email = normalizeEmail(options.email);
      const user = await withApp((app) =>
        app.get(AccountsService).register({ email, password, name: options.name, roles: [options.role] }),
      );
      report(`Created ${user.email} (${user.id}) with role ${options.role}.`, {
        id: user.id,
        email: user.email,
        roles: user.roles,
      });
    });

  for (const [name, what] of [
    [
      'user:disable',
      'Disable a user: every session, token family, access token and API key stops working on every instance within a second',
    ],
    ['user:enable', 'Enable a user again'],
    ['user:end-all', 'End every session, refresh-token family and access token of a user (logout everywhere)'],
  ] as const) {
    cli
      .command(name)
      .description(what)
      .argument('<user>', 'email or id')
      .action(async (emailOrId: string) => {
        const user = await withApp(async (app) => {
          const found = await userOf(app, emailOrId);
          const accounts = app.get(AccountsService);
          if (name === 'user:disable') await accounts.disable(found.id);
          else if (name === 'user:enable') await accounts.enable(found.id);
          else await accounts.endEverything(found.id);
          return found;
        });
        const done =
          name === 'user:disable' ? 'Disabled' : name === 'user:enable' ? 'Enabled' : 'Ended every credential of';
        report(`${done} ${user.email} (${user.id}).`, { id: user.id, email: user.email, action: name });
      });
  }

  cli
    .command('users:import')
    .description(
      'Create users of another system from NDJSON lines {"email", "hash", "name"?, "emailVerified"?}, keeping their password hashes ' +
        '(bcrypt $2a$/$2b$/$2y$, $scrypt$ PHC, Django pbkdf2_sha256$, $firebase-scrypt$<salt>$<hash>, argon2id/i/d); ' +
        'each becomes argon2id at its first sign-in. Registered emails are skipped; exit 1 when a line is invalid',
    )
    .argument('[file]', 'the NDJSON file; stdin when absent or -')
    .option('--dry-run', 'check every line, create nothing')
    .action(async (file: string | undefined, options: { dryRun?: boolean }) => {
      if ((!file || file === '-') && process.stdin.isTTY)
        throw new CliError('give the NDJSON file, or pipe it: `nest-auth users:import < users.ndjson`');
      const input = file && file !== '-' ? createReadStream(file) : process.stdin;
      const opened = new Promise<void>((resolve, reject) => {
        if (input === process.stdin) return resolve();
        input.once('open', () => resolve());
        input.once('error', (error: Error) => reject(new CliError(`cannot read ${file}: ${error.message}`)));
      });
      await opened;
      const result = await withApp((app) =>
        importUsers(input, app.get<UserStore>(USER_STORE), app.get(PasswordHasher), options.dryRun),
      );
      const invalid = result.invalid.map(({ line, reason }) => `line ${line}: ${reason}`);
      report(
        `${options.dryRun ? 'Would create' : 'Created'} ${result.created}, skipped ${result.skipped} already registered, ` +
          `${result.invalid.length} invalid${invalid.length ? `:\n${invalid.join('\n')}` : '.'}`,
        { ...result, dryRun: !!options.dryRun },
      );
      if (result.invalid.length) throw new CliError(`${result.invalid.length} invalid line(s), see above`);
    });

  cli
    .command('key:create')
    .description(
      'Issue an API key to a service account (role "service", no password), created on first use; the key is printed once',
    )
    .requiredOption('--email <email>', 'the service account, e.g. billing@svc.local')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--scopes <scopes>', 'comma-separated, e.g. reports:read,reports:write', scopesOption, [])
    .option('--expires-at <date>', 'ISO 8601; never when absent', isoDate)
    .option('--rate-limit-per-minute <n>', 'per-key limit', positiveInteger)
    .action(
      async (options: {
        email: string;
        name: string;
        scopes: string[];
        expiresAt?: Date;
        rateLimitPerMinute?: number;
      }) => {
        if (!/\S/.test(options.name) || options.name.length > 100)
          throw new CliError('--name must be 1 to 100 characters, not blank');
        if (options.expiresAt && options.expiresAt.getTime() <= Date.now())
          throw new CliError('--expires-at must be in the future');
        const { account, created, newAccount } = await withApp((app) =>
          app.get(ServiceAccountKeys).issue(options.email, {
            name: options.name,
            scopes: options.scopes,
            expiresAt: options.expiresAt ?? null,
            rateLimitPerMinute: options.rateLimitPerMinute,
          }),
        );
        if (!json) {
          process.stderr.write(
            `${newAccount ? 'Created service account' : 'Service account'} ${account.email} (${account.id}); key ${created.id} "${created.name}" ` +
              `[${created.scopes.join(', ')}] starts ${created.prefix}. Store it now: it is not shown again.\n`,
          );
        }
        report(created.key, { ...created, accountId: account.id, accountEmail: account.email, newAccount });
      },
    );

  cli
    .command('key:revoke')
    .description('Revoke an API key by its id; it stops working on every instance within a second')
    .argument('<id>', 'the key id (as listed by GET /auth/api-keys)')
    .action(async (id: string) => {
      const revoked = await withApp((app) => app.get(ApiKeysService).revokeById(id));
      report(`Revoked key ${revoked.id} of user ${revoked.userId}.`, revoked);
    });

  cli
    .command('cert:register')
    .description("Bind a client certificate to a user, so that @Auth('mtls') admits it with the given scopes")
    .option('--user <user>', 'the owner: email or id')
    .option('--cert <file>', 'the certificate (PEM); it must be issued by TLS_CLIENT_CA and not expired')
    .option('--fingerprint <sha256>', 'or its SHA-256 fingerprint, uppercase hex, colon-separated or not')
    .requiredOption('--name <name>', 'what the certificate is for')
    .option('--scopes <scopes>', 'comma-separated, e.g. internal:read', scopesOption, [])
    .action(async (options: { user?: string; cert?: string; fingerprint?: string; name: string; scopes: string[] }) => {
      if (!options.user) throw new CliError('--user (email or id) is required');
      if (!!options.cert === !!options.fingerprint) throw new CliError('give one of --cert and --fingerprint');
      if (!/\S/.test(options.name) || options.name.length > 100)
        throw new CliError('--name must be 1 to 100 characters, not blank');
      const config = loadConfig();
      const fingerprint = options.cert
        ? fingerprintOfFile(options.cert, config.mtls.clientCa)
        : (options.fingerprint as string);
      const owner: CertificateOwner = options.user.includes('@') ? { email: options.user } : { id: options.user };
      const registered = await withApp((app) =>
        app
          .get(ServiceCertificatesService)
          .register(owner, { fingerprint, name: options.name, scopes: options.scopes }),
      );
      report(
        `Bound certificate ${registered.fingerprint} to user ${registered.userId} as "${registered.name}" (${registered.id}).`,
        registered,
      );
    });

  cli
    .command('jwt:generate-key')
    .description('Print a new signing key for JWT_PRIVATE_KEY (PEM) or, for HS256, JWT_SECRET')
    .option('--alg <alg>', 'ES256, RS256 or HS256', 'ES256')
    .action((options: { alg: string }) => {
      let key: string;
      if (options.alg === 'HS256') key = randomBytes(48).toString('base64url');
      else if (options.alg === 'ES256' || options.alg === 'RS256') {
        const pair =
          options.alg === 'ES256'
            ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
            : generateKeyPairSync('rsa', { modulusLength: 3072 });
        key = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().trim();
      } else throw new CliError('--alg must be ES256, RS256 or HS256');
      report(key, { alg: options.alg, key });
    });

  cli
    .command('migrate')
    .description("Run the pending migrations of the configured database (with --module, of your app's DataSource)")
    .action(async () => {
      const ranOn = async (dataSource: DataSource) => {
        const ran = await dataSource.runMigrations({ transaction: 'each' });
        report(ran.length ? `Ran ${ran.map((m) => m.name).join(', ')}.` : 'Nothing to migrate.', {
          ran: ran.map((m) => m.name),
        });
      };
      // The host's DataSource holds the host's migrations: the module's for its features and users choice, and its own.
      if (hostModule) return withApp((app) => ranOn(app.get(DataSource)));
      const dataSource = new DataSource(dataSourceOptions(loadConfig().database));
      await dataSource.initialize();
      try {
        await ranOn(dataSource);
      } finally {
        await dataSource.destroy();
      }
    });

  return cli;
}

/** The fingerprint of a certificate file, refused when the client CA did not issue it or it has expired: such a binding could never admit anything. */
function fingerprintOfFile(path: string, clientCa: string | undefined): string {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(readFileSync(path));
  } catch (error) {
    throw new CliError(
      `--cert ${path} is not a readable PEM certificate (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (clientCa && !TrustedIssuers.fromPem(clientCa).vouchFor(certificate))
    throw new CliError(`--cert ${path} is not a client certificate issued by TLS_CLIENT_CA`);
  if (Date.parse(certificate.validTo) <= Date.now())
    throw new CliError(`--cert ${path} expired on ${certificate.validTo}`);
  return fingerprintOf(certificate);
}

/** The message of a failure, in one line; never a stack trace. */
function oneLine(error: unknown): string {
  if (error instanceof HttpException) {
    const body = error.getResponse();
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? (body as { message: unknown }).message
        : error.message;
    return Array.isArray(message) ? message.join('; ') : String(message);
  }
  if (error instanceof CliError || error instanceof ConfigError || error instanceof ServiceAccountError)
    return error.message;
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`.split('\n')[0];
}

if (require.main === module) {
  program()
    .parseAsync(process.argv)
    .then(
      () => process.exit(0),
      (error: unknown) => {
        if (error instanceof CommanderError) {
          // --help and --version end here too, as "errors" of commander, with their own exit code 0.
          if (error.exitCode === 0) process.exit(0);
          process.stderr.write(`nest-auth: ${error.message.replace(/^error: /, '')}\n`);
          process.exit(1);
        }
        process.stderr.write(`nest-auth: ${oneLine(error)}\n`);
        process.exit(1);
      },
    );
}
