import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { parsePasswordHash } from './password-formats';
import { PasswordHasher } from './password-hasher';
import { resolvePasswordHashingOptions } from './password-hashing.options';

/** The example of Firebase's own scrypt tool (github.com/firebase/scrypt, README). */
const FIREBASE_PROJECT = {
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  saltSeparator: 'Bw==',
  rounds: 8,
  memCost: 14,
};
const FIREBASE_HASH =
  '$firebase-scrypt$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==';

/** Known hashes, each made by its system's reference implementation, and the password that matches it. */
const VECTORS: Array<{ name: string; format: string; hash: string; password: string }> = [
  // jBCrypt's and OpenBSD's test vectors.
  {
    name: 'bcrypt $2a$',
    format: 'bcrypt',
    hash: '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i',
    password: 'abc',
  },
  {
    name: 'bcrypt $2b$',
    format: 'bcrypt',
    hash: '$2b$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i',
    password: 'abc',
  },
  // Apache's htpasswd -B (PHP's crypt prefix).
  {
    name: 'bcrypt $2y$',
    format: 'bcrypt',
    hash: '$2y$05$1HmzVgicLNAWva7EnOWihOjYINzXmtZy7AoyvZ.zaHq7UhORlV8Dy',
    password: 'correct horse battery staple',
  },
  // Django's own tests (auth_tests/test_hashers.py), 1.5 and 2.1 iteration counts.
  {
    name: 'Django PBKDF2 10000',
    format: 'pbkdf2_sha256',
    hash: 'pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=',
    password: 'lètmein',
  },
  {
    name: 'Django PBKDF2 120000',
    format: 'pbkdf2_sha256',
    hash: 'pbkdf2_sha256$120000$seasalt$fsgWMpOXin7ZAmi4j+7XjKCZ4JCvxJTGiwwDrawRqSc=',
    password: 'lètmein',
  },
  // Python's hashlib.scrypt, written as PHC.
  {
    name: 'scrypt PHC',
    format: 'scrypt',
    hash: '$scrypt$ln=14,r=8,p=1$TmFDbC1zYWx0LTE2Ynl0ZQ$SDMGdoXkrP4pzJUtGuoO+WqhHUfF9zHjXB8p08V3W7k',
    password: 'correct horse battery staple',
  },
  // The reference argon2 tool (phc-winner-argon2; its README's example for argon2i).
  {
    name: 'argon2i',
    format: 'argon2i',
    hash: '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG',
    password: 'password',
  },
  {
    name: 'argon2d',
    format: 'argon2d',
    hash: '$argon2d$v=19$m=1024,t=2,p=1$c29tZXNhbHQ$7WlpgAteZBAUBN8fsClBmqjAK0wlZUrln2Vai1gUJKs',
    password: 'password',
  },
  { name: 'Firebase scrypt', format: 'firebase-scrypt', hash: FIREBASE_HASH, password: 'user1password' },
];

const hasher = async (options = {}) => {
  const instance = new PasswordHasher(resolvePasswordHashingOptions({ memoryCost: 8192, timeCost: 1, ...options }));
  await instance.onModuleInit();
  return instance;
};

describe('other systems’ password hashes', () => {
  it('Node’s scrypt is the scrypt of RFC 7914 (its test vector, §12)', () => {
    const key = scryptSync('password', 'NaCl', 64, { N: 1024, r: 8, p: 16 });
    assert.equal(
      key.toString('hex'),
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    );
  });

  for (const vector of VECTORS) {
    it(`${vector.name}: verifies its password, and no other`, async () => {
      const passwords = await hasher({ firebaseScrypt: FIREBASE_PROJECT });
      assert.equal(passwords.formatOf(vector.hash), vector.format);
      assert.equal(await passwords.verify(vector.hash, vector.password), true);
      assert.equal(await passwords.verify(vector.hash, `${vector.password}x`), false);
      assert.equal(await passwords.verify(vector.hash, vector.password.slice(1)), false);
      assert.equal(passwords.needsRehash(vector.hash), true);
    });
  }

  it('a Firebase hash needs its project’s parameters: without them, or with another signer key, it never verifies', async () => {
    assert.equal(parsePasswordHash(FIREBASE_HASH), null);
    assert.equal(await (await hasher()).verify(FIREBASE_HASH, 'user1password'), false);
    const otherProject = await hasher({
      firebaseScrypt: { ...FIREBASE_PROJECT, signerKey: Buffer.alloc(64, 7).toString('base64') },
    });
    assert.equal(await otherProject.verify(FIREBASE_HASH, 'user1password'), false);
    assert.throws(
      () => resolvePasswordHashingOptions({ firebaseScrypt: { ...FIREBASE_PROJECT, memCost: 40 } }),
      /memCost/,
    );
  });

  it('argon2id is its own format and needs no rehash', async () => {
    const passwords = await hasher();
    const hash = await passwords.hash('correct horse battery staple');
    assert.equal(passwords.formatOf(hash), 'argon2id');
    assert.equal(passwords.needsRehash(hash), false);
    assert.equal(await passwords.verify(hash, 'correct horse battery staple'), true);
  });

  it('unknown formats, and costs past the bounds, never verify', async () => {
    const passwords = await hasher();
    const refused = [
      'abc', // the password itself, stored in clear
      '5f4dcc3b5aa765d61d8327deb882cf99', // unsalted MD5
      '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', // md5crypt
      '$2x$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i', // crypt_blowfish's buggy variant
      '$2b$16$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i', // bcrypt cost 16
      'pbkdf2_sha256$9000000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=',
      'pbkdf2_sha1$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=',
      '$scrypt$ln=22,r=8,p=1$TmFDbC1zYWx0LTE2Ynl0ZQ$SDMGdoXkrP4pzJUtGuoO+WqhHUfF9zHjXB8p08V3W7k', // 4 GiB
    ];
    for (const hash of refused) {
      assert.equal(passwords.formatOf(hash), null, hash);
      assert.equal(await passwords.verify(hash, 'abc'), false, hash);
    }
    assert.equal(await passwords.verify(null, 'abc'), false);
  });

  it('an unknown email and an unknown format cost one argon2id verification (the dummy hash), not nothing', async () => {
    const passwords = await hasher({ memoryCost: 19456, timeCost: 2 });
    const hashes = {
      wrongPassword: await passwords.hash('correct horse battery staple'),
      unknownEmail: null,
      unknownFormat: 'abc',
    };
    const times: Record<keyof typeof hashes, number[]> = { wrongPassword: [], unknownEmail: [], unknownFormat: [] };
    // Interleaved, medians: other work on the machine slows all three alike.
    for (let round = 0; round < 5; round++) {
      for (const [kind, hash] of Object.entries(hashes) as Array<[keyof typeof hashes, string | null]>) {
        const started = process.hrtime.bigint();
        await passwords.verify(hash, 'a wrong password');
        times[kind].push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2];
    const [wrongPassword, unknownEmail, unknownFormat] = [
      times.wrongPassword,
      times.unknownEmail,
      times.unknownFormat,
    ].map(median);
    const report = `medians: wrong password ${wrongPassword} ms, unknown email ${unknownEmail} ms, unknown format ${unknownFormat} ms`;
    // Skipping the dummy hash makes them cost under a millisecond; an argon2id verification costs tens.
    assert.ok(unknownEmail > wrongPassword / 5 && unknownFormat > wrongPassword / 5, report);
  });
});
