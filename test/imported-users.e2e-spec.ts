import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { USER_STORE, UserStore } from '../src/auth/core/user-store';
import { PASSWORD, startApp, storageMode, TestApp, uniqueEmail } from './support/app';

const CLI = join(__dirname, '..', 'src', 'cli', 'main.js');

/** The example project of Firebase's scrypt tool (github.com/firebase/scrypt) and its user. */
const FIREBASE_ENV = {
  FIREBASE_SCRYPT_SIGNER_KEY:
    'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  FIREBASE_SCRYPT_SALT_SEPARATOR: 'Bw==',
  FIREBASE_SCRYPT_ROUNDS: '8',
  FIREBASE_SCRYPT_MEM_COST: '14',
};
/** Made by each system's reference implementation; PASSWORD is 'correct horse battery staple'. */
const BCRYPT_OF_PASSWORD = '$2y$05$1HmzVgicLNAWva7EnOWihOjYINzXmtZy7AoyvZ.zaHq7UhORlV8Dy'; // htpasswd -B
const DJANGO_OF_LETMEIN = 'pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY='; // Django's tests: 'lètmein'
const FIREBASE_OF_USER1 =
  '$firebase-scrypt$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(env: Record<string, string | undefined>, args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const ndjson = (...lines: unknown[]) =>
  lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';

describe(`moving users in from another system: users:import, then sign-in (${storageMode})`, () => {
  let t: TestApp;
  let dir: string;
  before(async () => {
    t = await startApp({ ...FIREBASE_ENV, LOCKOUT_THRESHOLD: '1000' });
    dir = mkdtempSync(join(tmpdir(), 'nest-auth-import-'));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const storedHash = async (email: string): Promise<string> => {
    const row = await t.app
      .get(DataSource)
      .createQueryBuilder()
      .select('u.password_hash', 'hash')
      .from('auth_users', 'u')
      .where('u.email = :email', { email })
      .getRawOne<{ hash: string }>();
    return row!.hash;
  };

  it('imports a file: counts created, skipped and invalid lines by number, exits 1 for the invalid ones', async () => {
    const existing = uniqueEmail('existing');
    await request(t.url).post('/auth/register').send({ email: existing, password: PASSWORD }).expect(201);
    const [bcryptUser, djangoUser, firebaseUser] = [
      uniqueEmail('bcrypt'),
      uniqueEmail('django'),
      uniqueEmail('firebase'),
    ];
    const file = join(dir, 'users.ndjson');
    writeFileSync(
      file,
      ndjson(
        { email: ` ${bcryptUser.toUpperCase()} `, hash: BCRYPT_OF_PASSWORD, name: 'Ada', emailVerified: true },
        { email: djangoUser, hash: DJANGO_OF_LETMEIN },
        '',
        { email: firebaseUser, hash: FIREBASE_OF_USER1, name: null },
        { email: existing, hash: BCRYPT_OF_PASSWORD },
        '{"email": "broken',
        { email: uniqueEmail('md5'), hash: '5f4dcc3b5aa765d61d8327deb882cf99' },
        { email: 'not an address', hash: BCRYPT_OF_PASSWORD },
        { email: bcryptUser, hash: DJANGO_OF_LETMEIN },
      ),
    );
    const run = await cli(t.env, ['--json', 'users:import', file]);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      created: 3,
      skipped: 2,
      invalid: [
        { line: 6, reason: 'not JSON' },
        { line: 7, reason: 'hash of an unknown format, or of a cost past the bounds' },
        { line: 8, reason: 'email is not an email address' },
      ],
      dryRun: false,
    });
    assert.equal(run.stderr.trim(), 'nest-auth: 3 invalid line(s), see above');
    assert.equal(await storedHash(bcryptUser), BCRYPT_OF_PASSWORD, 'a later line of the same email changes nothing');
    assert.equal(
      await storedHash(existing).then((hash) => hash.startsWith('$argon2id$')),
      true,
      'a registered user is left as is',
    );

    const again = await cli(t.env, ['users:import'], ndjson({ email: bcryptUser, hash: BCRYPT_OF_PASSWORD }));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'Created 0, skipped 1 already registered, 0 invalid.');
    const missing = await cli(t.env, ['users:import', join(dir, 'nowhere.ndjson')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^nest-auth: cannot read .*nowhere\.ndjson: ENOENT/);
    const dryEmail = uniqueEmail('dry');
    const dry = await cli(
      t.env,
      ['--json', 'users:import', '--dry-run'],
      ndjson({ email: dryEmail, hash: DJANGO_OF_LETMEIN }),
    );
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(JSON.parse(dry.stdout).created, 1);
    await request(t.url).post('/auth/login').send({ email: dryEmail, password: 'lètmein' }).expect(401);
  });

  it('an imported bcrypt user signs in with their old password, and their hash is argon2id from then on', async () => {
    const email = uniqueEmail('moved');
    const run = await cli(
      t.env,
      ['users:import', '-'],
      ndjson({ email, hash: BCRYPT_OF_PASSWORD, name: 'Grace', emailVerified: true }),
    );
    assert.equal(run.code, 0, run.stderr);
    await request(t.url).post('/auth/login').send({ email, password: 'not the password' }).expect(401);
    assert.equal(await storedHash(email), BCRYPT_OF_PASSWORD, 'a failed sign-in rehashes nothing');

    const agent = request.agent(t.url);
    const signedIn = await agent.post('/auth/login').send({ email, password: PASSWORD }).expect(200);
    assert.equal(signedIn.body.user.email, email);
    assert.equal(signedIn.body.user.name, 'Grace');
    assert.equal(signedIn.body.user.emailVerified, true);
    await agent.get('/examples/profile').expect(200);
    const rehashed = await storedHash(email);
    assert.match(rehashed, /^\$argon2id\$v=19\$m=19456,/);

    // The argon2id hash holds the same password, and only it.
    const tokens = await request(t.url).post('/auth/token').send({ email, password: PASSWORD }).expect(200);
    assert.ok(tokens.body.access_token);
    await request(t.url).post('/auth/login').send({ email, password: 'not the password' }).expect(401);
    assert.equal(await storedHash(email), rehashed, 'an argon2id hash is not rehashed');
  });

  it('the built-in store rehashes only over the hash that verified: a password changed meanwhile is never put back', async () => {
    const email = uniqueEmail('raced');
    assert.equal((await cli(t.env, ['users:import'], ndjson({ email, hash: BCRYPT_OF_PASSWORD }))).code, 0);
    const store = t.app.get<UserStore>(USER_STORE);
    const user = (await store.findByEmail(email))!;
    await store.setPasswordHash(user.id, '$argon2id$v=19$m=19456,t=2,p=1$changedmeanwhile$changedmeanwhile');
    assert.equal(
      await store.replacePasswordHash!(user.id, BCRYPT_OF_PASSWORD, '$argon2id$rehash-of-the-old-password'),
      false,
    );
    assert.match(await storedHash(email), /changedmeanwhile/);
  });

  it('Django and Firebase users sign in too, and are rehashed', async () => {
    const [django, firebase] = [uniqueEmail('django'), uniqueEmail('firebase')];
    const run = await cli(
      t.env,
      ['users:import'],
      ndjson({ email: django, hash: DJANGO_OF_LETMEIN }, { email: firebase, hash: FIREBASE_OF_USER1 }),
    );
    assert.equal(run.code, 0, run.stderr);
    await request(t.url).post('/auth/login').send({ email: django, password: 'lètmein' }).expect(200);
    await request(t.url).post('/auth/login').send({ email: firebase, password: 'user1password' }).expect(200);
    assert.match(await storedHash(django), /^\$argon2id\$/);
    assert.match(await storedHash(firebase), /^\$argon2id\$/);
    await request(t.url).post('/auth/login').send({ email: firebase, password: 'user1password' }).expect(200);
  });
});

describe(`users:import without a Firebase project's parameters (${storageMode})`, () => {
  it('refuses Firebase hashes, which could never verify, and says what is missing', async () => {
    const t = await startApp();
    try {
      const run = await cli(
        t.env,
        ['--json', 'users:import'],
        ndjson({ email: uniqueEmail('fb'), hash: FIREBASE_OF_USER1 }),
      );
      assert.equal(run.code, 1);
      assert.deepEqual(JSON.parse(run.stdout).invalid, [
        {
          line: 1,
          reason: 'a Firebase hash needs the project parameters (passwordHashing.firebaseScrypt, FIREBASE_SCRYPT_*)',
        },
      ]);
    } finally {
      await t.close();
    }
  });
});
