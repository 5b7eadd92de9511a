import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM text and as the files they were written to. */
export interface Issued {
  name: string;
  pem: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface IssueOptions {
  /** Default: a minute ago to a day from now. */
  notBefore?: Date;
  notAfter?: Date;
  /** `server`: for 127.0.0.1 and localhost; default `client` (extended key usage clientAuth). */
  kind?: 'client' | 'server';
}

const EXTENSIONS = `
[ client ]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
[ server ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
`;

/** `openssl ca` takes dates as `YYYYMMDDHHMMSSZ` in UTC. */
const opensslDate = (date: Date) => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/**
 * A CA of its own made with the openssl CLI, in a temporary folder. It issues through `openssl ca`,
 * which (unlike `openssl x509 -req` in OpenSSL 3.0) takes any start and end date, so that tests get
 * certificates that expired years ago, expire in a moment, or are not valid yet.
 */
export class TestCa {
  readonly certFile: string;
  readonly pem: string;
  private readonly keyFile: string;
  private readonly config: string;

  constructor(
    private readonly dir: string,
    readonly name: string,
  ) {
    this.certFile = join(dir, `${name}.pem`);
    this.keyFile = join(dir, `${name}.key`);
    openssl(['req', '-x509', ...newKey(this.keyFile), '-out', this.certFile, '-subj', `/CN=${name}`, '-days', '2']);
    this.pem = readFileSync(this.certFile, 'utf8');
    const db = join(dir, `${name}-db`);
    mkdirSync(db);
    writeFileSync(join(db, 'index.txt'), '');
    writeFileSync(join(db, 'serial'), '01\n');
    this.config = join(dir, `${name}.cnf`);
    writeFileSync(
      this.config,
      `[ ca ]\ndefault_ca = this\n[ this ]\ndatabase = ${db}/index.txt\nserial = ${db}/serial\nnew_certs_dir = ${db}\n` +
        `default_md = sha256\npolicy = any\nunique_subject = no\ncopy_extensions = none\n[ any ]\ncommonName = supplied\n${EXTENSIONS}`,
    );
  }

  issue(name: string, options: IssueOptions = {}): Issued {
    const base = join(this.dir, `${name}-${randomBytes(4).toString('hex')}`);
    const [certFile, keyFile, csr] = [`${base}.pem`, `${base}.key`, `${base}.csr`];
    openssl(['req', ...newKey(keyFile), '-out', csr, '-subj', `/CN=${name}`]);
    const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
    const notAfter = options.notAfter ?? new Date(Date.now() + 86_400_000);
    openssl([
      'ca',
      '-batch',
      '-notext',
      '-config',
      this.config,
      '-cert',
      this.certFile,
      '-keyfile',
      this.keyFile,
      '-rand_serial',
      '-extensions',
      options.kind ?? 'client',
      '-startdate',
      opensslDate(notBefore),
      '-enddate',
      opensslDate(notAfter),
      '-in',
      csr,
      '-out',
      certFile,
    ]);
    return { name, pem: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  }
}

/** A folder of CAs for one suite; `remove()` deletes it. */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'nest-auth-pki-'));

  ca(name: string): TestCa {
    return new TestCa(this.dir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function newKey(keyFile: string): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile];
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** SHA-256 fingerprint as openssl prints it: uppercase hex pairs joined by colons. */
export function opensslFingerprint(certFile: string): string {
  const output = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256'], {
    encoding: 'utf8',
  });
  return output.trim().split('=')[1];
}
