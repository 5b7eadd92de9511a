import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID, X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ConfigError, Env, loadConfig } from '../src/config/app.config';
import { Issued, opensslFingerprint, TestPki } from './support/certificates';
import {
  ChildApp,
  PASSWORD,
  productionMode,
  startApp,
  startAppProcess,
  storageMode,
  TestApp,
  uniqueEmail,
} from './support/app';

const UNAUTHORIZED = { statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' };
const REGISTERED_FIELDS = ['createdAt', 'fingerprint', 'id', 'name', 'scopes', 'userId'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);

const pki = new TestPki();
const ca = pki.ca('client-ca');
const otherCa = pki.ca('other-ca');
const server = ca.issue('localhost', { kind: 'server' });
const TLS = { TLS_CERT: server.certFile, TLS_KEY: server.keyFile, TLS_CLIENT_CA: ca.certFile };
after(() => pki.remove());

interface Answer {
  status: number;
  body: any;
  headers: IncomingHttpHeaders;
  socket: Socket;
}

interface Call {
  method?: string;
  cert?: Issued;
  headers?: Record<string, string>;
  body?: unknown;
  /** Default: a connection of its own, so each call makes a TLS handshake. */
  agent?: https.Agent;
}

/** One HTTPS request that trusts the test CA's server certificate and presents `cert`, if any. */
function call(url: string, path: string, options: Call = {}): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const outgoing = https.request(
      new URL(path, url),
      {
        method: options.method ?? 'GET',
        ca: ca.pem,
        cert: options.cert?.pem,
        key: options.cert?.key,
        agent: options.agent ?? false,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (text += chunk));
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            body: text ? JSON.parse(text) : undefined,
            headers: incoming.headers,
            socket: incoming.socket,
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

async function expectStatus(answer: Promise<Answer>, status: number): Promise<Answer> {
  const settled = await answer;
  assert.equal(settled.status, status, JSON.stringify(settled.body));
  return settled;
}

/** An HTTPS instance with an admin of its own, and what the tests do through it. */
class Instance {
  adminToken = '';

  constructor(
    readonly url: string,
    private readonly adminEmail: string,
  ) {}

  async start(): Promise<this> {
    this.adminToken = await this.token(this.adminEmail);
    return this;
  }

  async token(email: string): Promise<string> {
    const answer = await expectStatus(
      call(this.url, '/auth/token', { method: 'POST', body: { email, password: PASSWORD } }),
      200,
    );
    return answer.body.access_token;
  }

  async newUser(): Promise<{ id: string; email: string }> {
    const answer = await expectStatus(
      call(this.url, '/auth/register', { method: 'POST', body: { email: uniqueEmail(), password: PASSWORD } }),
      201,
    );
    return answer.body;
  }

  admin(method: string, path: string, body?: unknown, token = this.adminToken): Promise<Answer> {
    return call(this.url, `/auth/admin${path}`, { method, body, headers: { authorization: `Bearer ${token}` } });
  }

  async bind(
    userId: string,
    certificate: Issued,
    scopes = ['internal:read'],
  ): Promise<{ id: string; fingerprint: string }> {
    const body = { userId, fingerprint: opensslFingerprint(certificate.certFile), name: certificate.name, scopes };
    return (await expectStatus(this.admin('POST', '/service-certificates', body), 201)).body;
  }

  internal(cert?: Issued, headers?: Record<string, string>): Promise<Answer> {
    return call(this.url, '/examples/internal', { cert, headers });
  }
}

function adminEnv(): Env & { AUTH_BOOTSTRAP_ADMIN_EMAIL: string } {
  return { AUTH_BOOTSTRAP_ADMIN_EMAIL: uniqueEmail('admin'), AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD };
}

/** Polls until the request gives `status`; returns the milliseconds it took. */
async function waitForStatus(
  send: () => Promise<{ status: number }>,
  status: number,
  timeoutMs: number,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    const { status: got } = await send();
    if (got === status) return Date.now() - start;
    if (Date.now() - start > timeoutMs) assert.fail(`still ${got} after ${timeoutMs} ms, expected ${status}`);
    await sleep(25);
  }
}

/** Counts SQL statements that touch the binding or user tables while `work` runs. */
async function countBindingQueries(dataSource: DataSource, work: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const counter = {
    beforeQuery(event: { query: string }) {
      if (/auth_service_certificates|auth_users/i.test(event.query)) count++;
    },
  };
  dataSource.subscribers.push(counter as never);
  try {
    await work();
  } finally {
    dataSource.subscribers.splice(dataSource.subscribers.indexOf(counter as never), 1);
  }
  return count;
}

describe(`client certificates over HTTPS (${storageMode})`, () => {
  let t: TestApp;
  let app: Instance;
  before(async () => {
    const env = adminEnv();
    t = await startApp({ ...TLS, ...env });
    assert.match(t.url, /^https:/);
    app = await new Instance(t.url, env.AUTH_BOOTSTRAP_ADMIN_EMAIL).start();
  });
  after(() => t?.close());

  describe('authentication', () => {
    it('admits a registered certificate with the scope as its user, via mtls, with the binding’s scopes', async () => {
      const owner = await app.newUser();
      const cert = ca.issue('billing');
      const binding = await app.bind(owner.id, cert);
      const response = await expectStatus(app.internal(cert), 200);
      assert.deepEqual(response.body, { ok: true, user: { id: owner.id, email: owner.email }, via: 'mtls' });
      const me = await expectStatus(call(t.url, '/auth/me', { cert }), 200);
      assert.equal(me.body.via, 'mtls');
      assert.deepEqual(me.body.scopes, ['internal:read']);
      assert.equal(binding.fingerprint, opensslFingerprint(cert.certFile).replace(/:/g, ''));
      await expectStatus(call(t.url, '/examples/any', { cert }), 200);
    });

    it('gives one and the same 401 to no certificate, an unregistered one, and registered ones of another CA, expired or not yet valid', async () => {
      const owner = await app.newUser();
      const unregistered = ca.issue('unregistered');
      const foreign = otherCa.issue('foreign');
      const expired = ca.issue('expired', {
        notBefore: new Date('2020-01-01T00:00:00Z'),
        notAfter: new Date('2020-02-01T00:00:00Z'),
      });
      const early = ca.issue('early', {
        notBefore: new Date(Date.now() + 3_600_000),
        notAfter: new Date(Date.now() + 7_200_000),
      });
      // Registered, so that nothing but the issuer or the validity can be why they are refused.
      for (const cert of [foreign, expired, early]) await app.bind(owner.id, cert);
      for (const cert of [undefined, unregistered, foreign, expired, early]) {
        const response = await expectStatus(app.internal(cert), 401);
        assert.deepEqual(response.body, UNAUTHORIZED, cert?.name);
        assert.equal(response.headers['www-authenticate'], undefined);
      }
    });

    it('answers 403 to a registered certificate without the route’s scope', async () => {
      const owner = await app.newUser();
      const cert = ca.issue('unscoped');
      await app.bind(owner.id, cert, ['reports:read']);
      const response = await expectStatus(app.internal(cert), 403);
      assert.deepEqual(response.body, { statusCode: 403, message: 'Insufficient scope', error: 'Forbidden' });
      await expectStatus(call(t.url, '/examples/any', { cert }), 200);
    });

    it('lets an API key with internal:read through on the same HTTPS server, without a certificate or beside an unregistered one', async () => {
      const owner = await app.newUser();
      const token = await app.token(owner.email);
      const created = await expectStatus(
        call(t.url, '/auth/api-keys', {
          method: 'POST',
          body: { name: 'internal', scopes: ['internal:read'] },
          headers: { authorization: `Bearer ${token}` },
        }),
        201,
      );
      const key = { 'x-api-key': created.body.key };
      assert.equal((await expectStatus(app.internal(undefined, key), 200)).body.via, 'apiKey');
      assert.equal((await expectStatus(app.internal(ca.issue('stranger'), key), 200)).body.via, 'apiKey');
      await expectStatus(call(t.url, '/examples/profile', { headers: { authorization: `Bearer ${token}` } }), 200);
    });

    it('stops a certificate at its notAfter, also on a connection that was opened before', async () => {
      const owner = await app.newUser();
      const cert = ca.issue('short-lived', { notAfter: new Date(Date.now() + 3_000) });
      await app.bind(owner.id, cert);
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const first = await expectStatus(call(t.url, '/examples/internal', { cert, agent }), 200);
        const notAfter = Date.parse(new X509Certificate(cert.pem).validTo);
        await sleep(Math.max(0, notAfter - Date.now()) + 1_100);
        const later = await expectStatus(call(t.url, '/examples/internal', { cert, agent }), 401);
        assert.equal(later.socket, first.socket, 'the second request did not reuse the connection');
      } finally {
        agent.destroy();
      }
    });

    it('runs no SQL query for a request with a known certificate', async () => {
      const owner = await app.newUser();
      const cert = ca.issue('hot-path');
      await app.bind(owner.id, cert);
      await expectStatus(app.internal(cert), 200);
      await sleep(200);
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const queries = await countBindingQueries(t.app.get(DataSource), async () => {
          for (let n = 0; n < 10; n++) await expectStatus(call(t.url, '/examples/internal', { cert, agent }), 200);
          for (let n = 0; n < 5; n++) await expectStatus(app.internal(cert), 200);
        });
        assert.equal(queries, 0);
      } finally {
        agent.destroy();
      }
    });
  });

  describe('lifecycle', () => {
    it('refuses a certificate as soon as its binding is revoked, and lists it with revokedAt', async () => {
      const owner = await app.newUser();
      const cert = ca.issue('revoked');
      const binding = await app.bind(owner.id, cert);
      await expectStatus(app.internal(cert), 200);
      await expectStatus(app.admin('DELETE', `/service-certificates/${binding.id}`), 204);
      assert.deepEqual((await expectStatus(app.internal(cert), 401)).body, UNAUTHORIZED);
      const list = await expectStatus(app.admin('GET', '/service-certificates'), 200);
      assert.ok(list.body.find((entry: { id: string }) => entry.id === binding.id).revokedAt);
      await expectStatus(app.admin('DELETE', `/service-certificates/${binding.id}`), 204);
      // A revoked fingerprint is never trusted again, not even through a new binding.
      await expectStatus(
        app.admin('POST', '/service-certificates', {
          userId: owner.id,
          fingerprint: binding.fingerprint,
          name: 'again',
        }),
        409,
      );
    });

    it('refuses the certificates of a disabled owner, evicting them from the cache, and admits them again on enable', async () => {
      const owner = await app.newUser();
      const cert = ca.issue('owned');
      await app.bind(owner.id, cert);
      await expectStatus(app.internal(cert), 200);
      await expectStatus(app.admin('POST', `/users/${owner.id}/disable`), 204);
      await expectStatus(app.internal(cert), 401);
      await expectStatus(app.admin('POST', `/users/${owner.id}/enable`), 204);
      await expectStatus(app.internal(cert), 200);
    });

    it('refuses the certificate of a disabled owner at look-up, without any event', async () => {
      const owner = await app.newUser();
      const cert = ca.issue('quietly-disabled');
      await app.bind(owner.id, cert);
      await t.app
        .get(DataSource)
        .query(`UPDATE auth_users SET disabled_at = created_at WHERE email = '${owner.email}'`);
      await expectStatus(app.internal(cert), 401);
    });

    describe('from the command line', () => {
      const cli = join(__dirname, '..', 'src', 'cli', 'main.js');
      const runCli = (args: string[]) =>
        run(process.execPath, [cli, '--json', 'cert:register', ...args], {
          env: { ...process.env, ...t.env } as NodeJS.ProcessEnv,
        });

      it('binds a certificate file to a user by email; a refusal this instance cached gives way within a second', async () => {
        const owner = await app.newUser();
        const cert = ca.issue('from-cli');
        await expectStatus(app.internal(cert), 401);
        const { stdout } = await runCli([
          '--user',
          owner.email,
          '--cert',
          cert.certFile,
          '--name',
          'cli',
          '--scopes',
          'internal:read',
        ]);
        const printed = JSON.parse(stdout);
        assert.deepEqual(Object.keys(printed).sort(), REGISTERED_FIELDS);
        assert.equal(printed.userId, owner.id);
        await waitForStatus(() => app.internal(cert), 200, 1_000);
      });

      it('binds by user id and fingerprint, and refuses a certificate of another CA and an unknown user', async () => {
        const owner = await app.newUser();
        const cert = ca.issue('by-fingerprint');
        await runCli([
          '--user',
          owner.id,
          '--fingerprint',
          opensslFingerprint(cert.certFile),
          '--name',
          'cli',
          '--scopes',
          'internal:read',
        ]);
        await expectStatus(app.internal(cert), 200);
        const refused = (args: string[], message: RegExp) =>
          assert.rejects(runCli(args), (error: { code?: number; stderr?: string }) => {
            assert.equal(error.code, 1);
            assert.match(String(error.stderr), message);
            return true;
          });
        await refused(
          ['--user', owner.id, '--cert', otherCa.issue('foreign').certFile, '--name', 'x'],
          /not a client certificate issued by TLS_CLIENT_CA/,
        );
        await refused(
          ['--user', uniqueEmail(), '--cert', ca.issue('nobody').certFile, '--name', 'x'],
          /User not found/,
        );
      });
    });
  });

  describe('admin routes', () => {
    const fingerprintOf = (cert: Issued) => opensslFingerprint(cert.certFile);

    it('registers with 201 and the documented fields, the fingerprint stored without colons, and lists bindings newest first', async () => {
      const owner = await app.newUser();
      const cert = ca.issue('listed');
      const created = await expectStatus(
        app.admin('POST', '/service-certificates', {
          userId: owner.id,
          fingerprint: fingerprintOf(cert),
          name: 'listed',
          scopes: ['a:b'],
        }),
        201,
      );
      assert.deepEqual(Object.keys(created.body).sort(), REGISTERED_FIELDS);
      assert.deepEqual(
        { ...created.body, id: undefined, createdAt: undefined },
        {
          id: undefined,
          createdAt: undefined,
          userId: owner.id,
          fingerprint: fingerprintOf(cert).replace(/:/g, ''),
          name: 'listed',
          scopes: ['a:b'],
        },
      );
      const list = await expectStatus(app.admin('GET', '/service-certificates'), 200);
      assert.deepEqual(list.body[0], { ...created.body, revokedAt: null });
      const bare = await expectStatus(
        app.admin('POST', '/service-certificates', {
          userId: owner.id,
          fingerprint: fingerprintOf(ca.issue('bare')).replace(/:/g, ''),
          name: 'bare',
        }),
        201,
      );
      assert.deepEqual(bare.body.scopes, []);
    });

    for (const [label, body] of [
      ['no fingerprint', { name: 'x' }],
      ['a lowercase fingerprint', { name: 'x', fingerprint: 'ab'.repeat(32) }],
      ['a SHA-1 fingerprint', { name: 'x', fingerprint: Array(20).fill('AB').join(':') }],
      ['a fingerprint with a stray colon', { name: 'x', fingerprint: `${'AB'.repeat(32)}:` }],
      ['no name', { fingerprint: 'AB'.repeat(32) }],
      ['a blank name', { name: '  ', fingerprint: 'AB'.repeat(32) }],
      ['a malformed scope', { name: 'x', fingerprint: 'AB'.repeat(32), scopes: ['internal read'] }],
      ['scopes that are not a list', { name: 'x', fingerprint: 'AB'.repeat(32), scopes: 'internal:read' }],
      ['an unknown field', { name: 'x', fingerprint: 'AB'.repeat(32), revokedAt: null }],
    ] as const) {
      it(`answers 400 to ${label}`, async () => {
        const owner = await app.newUser();
        const response = await expectStatus(
          app.admin('POST', '/service-certificates', { userId: owner.id, ...body }),
          400,
        );
        assert.equal(response.body.error, 'Bad Request');
      });
    }

    it('answers 400 without a user id, and 404 for a user that does not exist', async () => {
      await expectStatus(app.admin('POST', '/service-certificates', { fingerprint: 'AB'.repeat(32), name: 'x' }), 400);
      const response = await expectStatus(
        app.admin('POST', '/service-certificates', {
          userId: randomUUID(),
          fingerprint: fingerprintOf(ca.issue('orphan')),
          name: 'x',
        }),
        404,
      );
      assert.equal(response.body.message, 'User not found');
    });

    it('answers 409 to a fingerprint registered already', async () => {
      const owner = await app.newUser();
      const cert = ca.issue('twice');
      await app.bind(owner.id, cert);
      await expectStatus(
        app.admin('POST', '/service-certificates', { userId: owner.id, fingerprint: fingerprintOf(cert), name: 'x' }),
        409,
      );
    });

    it('answers 404 to revoking an unknown binding or an id that is none', async () => {
      await expectStatus(app.admin('DELETE', `/service-certificates/${randomUUID()}`), 404);
      await expectStatus(app.admin('DELETE', '/service-certificates/not-an-id'), 404);
    });

    it('answers 403 to a user who is not an admin, and 401 to no credential, an admin’s API key or certificate', async () => {
      const person = await app.newUser();
      const token = await app.token(person.email);
      const cert = ca.issue('mine');
      const body = { userId: person.id, fingerprint: fingerprintOf(cert), name: 'x' };
      await expectStatus(app.admin('GET', '/service-certificates', undefined, token), 403);
      await expectStatus(app.admin('POST', '/service-certificates', body, token), 403);
      await expectStatus(app.admin('DELETE', `/service-certificates/${randomUUID()}`, undefined, token), 403);
      await expectStatus(call(t.url, '/auth/admin/service-certificates'), 401);

      const adminUser = (
        await expectStatus(call(t.url, '/auth/me', { headers: { authorization: `Bearer ${app.adminToken}` } }), 200)
      ).body.user;
      const adminCert = ca.issue('admin-cert');
      await app.bind(adminUser.id, adminCert);
      await expectStatus(call(t.url, '/auth/admin/service-certificates', { cert: adminCert }), 401);
      const key = await expectStatus(
        call(t.url, '/auth/api-keys', {
          method: 'POST',
          body: { name: 'k' },
          headers: { authorization: `Bearer ${app.adminToken}` },
        }),
        201,
      );
      await expectStatus(
        call(t.url, '/auth/admin/service-certificates', { headers: { 'x-api-key': key.body.key } }),
        401,
      );
    });

    it('takes an admin session over HTTPS, with the CSRF token on unsafe requests', async () => {
      const adminUser = (
        await expectStatus(call(t.url, '/auth/me', { headers: { authorization: `Bearer ${app.adminToken}` } }), 200)
      ).body.user;
      const login = await expectStatus(
        call(t.url, '/auth/login', { method: 'POST', body: { email: adminUser.email, password: PASSWORD } }),
        200,
      );
      const cookie = String(login.headers['set-cookie']).split(';')[0];
      assert.match(cookie, /^__Host-sid=/);
      const owner = await app.newUser();
      const body = { userId: owner.id, fingerprint: fingerprintOf(ca.issue('by-session')), name: 'x' };
      const path = '/auth/admin/service-certificates';
      await expectStatus(call(t.url, path, { headers: { cookie } }), 200);
      await expectStatus(call(t.url, path, { method: 'POST', body, headers: { cookie } }), 403);
      const created = await expectStatus(
        call(t.url, path, { method: 'POST', body, headers: { cookie, 'x-csrf-token': login.body.csrfToken } }),
        201,
      );
      await expectStatus(
        call(t.url, `${path}/${created.body.id}`, {
          method: 'DELETE',
          headers: { cookie, 'x-csrf-token': login.body.csrfToken },
        }),
        204,
      );
    });
  });
});

describe(`client certificates behind a TLS-terminating proxy (${storageMode})`, () => {
  const HEADER = 'X-Client-Cert';
  let t: TestApp;
  let adminToken: string;
  const escaped = (cert: Issued) => encodeURIComponent(cert.pem);
  const internal = (url: string, value?: string) => {
    const pending = request(url).get('/examples/internal');
    return value === undefined ? pending : pending.set(HEADER, value);
  };
  /** Registers a user, and binds each certificate to them with internal:read, through the plain-HTTP instance at `url`. */
  async function bindAll(url: string, token: string, ...certs: Issued[]): Promise<{ id: string; email: string }> {
    const owner = (
      await request(url).post('/auth/register').send({ email: uniqueEmail(), password: PASSWORD }).expect(201)
    ).body;
    for (const cert of certs) {
      await request(url)
        .post('/auth/admin/service-certificates')
        .set('Authorization', `Bearer ${token}`)
        .send({
          userId: owner.id,
          fingerprint: opensslFingerprint(cert.certFile),
          name: cert.name,
          scopes: ['internal:read'],
        })
        .expect(201);
    }
    return owner;
  }
  async function startBehindProxy(env: Env): Promise<{ t: TestApp; token: string }> {
    const admin = adminEnv();
    const started = await startApp({
      TLS_CLIENT_CA: ca.certFile,
      MTLS_CLIENT_CERT_HEADER: HEADER,
      MTLS_TRUSTED_PROXIES: '127.0.0.1, ::1',
      ...admin,
      ...env,
    });
    const token = await request(started.url)
      .post('/auth/token')
      .send({ email: admin.AUTH_BOOTSTRAP_ADMIN_EMAIL, password: PASSWORD })
      .expect(200);
    return { t: started, token: token.body.access_token };
  }

  before(async () => {
    ({ t, token: adminToken } = await startBehindProxy({ TRUST_PROXY: '1' }));
    assert.match(t.url, /^http:/);
  });
  after(() => t?.close());

  it('admits the URL-encoded PEM of a registered certificate (nginx $ssl_client_escaped_cert) and the XFCC Cert="…" form', async () => {
    const cert = ca.issue('proxied');
    const owner = await bindAll(t.url, adminToken, cert);
    const response = await internal(t.url, escaped(cert)).expect(200);
    assert.deepEqual(response.body, { ok: true, user: { id: owner.id, email: owner.email }, via: 'mtls' });
    await internal(t.url, `By=spiffe://cluster/app;Hash=abc;Cert="${escaped(cert)}";Subject="CN=proxied,O=x"`).expect(
      200,
    );
  });

  it('answers 401 to an unregistered certificate, and to registered ones of another CA, expired, or not yet valid', async () => {
    const foreign = otherCa.issue('foreign');
    const expired = ca.issue('expired', {
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2020-02-01T00:00:00Z'),
    });
    const early = ca.issue('early', {
      notBefore: new Date(Date.now() + 3_600_000),
      notAfter: new Date(Date.now() + 7_200_000),
    });
    await bindAll(t.url, adminToken, foreign, expired, early);
    for (const cert of [ca.issue('unregistered'), foreign, expired, early]) {
      const response = await internal(t.url, escaped(cert)).expect(401);
      assert.deepEqual(response.body, UNAUTHORIZED, cert.name);
    }
  });

  it('answers 401 to a header that holds no certificate, an XFCC header of two elements, and the raw PEM of a CA', async () => {
    const cert = ca.issue('twice-forwarded');
    await bindAll(t.url, adminToken, cert);
    for (const value of [
      'garbage',
      '-----BEGIN%20CERTIFICATE-----%0AAAAA',
      `Cert="${escaped(cert)}",Cert="${escaped(cert)}"`,
      encodeURIComponent(ca.pem),
    ]) {
      await internal(t.url, value).expect(401);
    }
    await internal(t.url).expect(401);
  });

  it('ignores the header from a peer MTLS_TRUSTED_PROXIES does not list, whatever TRUST_PROXY and X-Forwarded-For say', async () => {
    const elsewhere = await startBehindProxy({ TRUST_PROXY: 'true', MTLS_TRUSTED_PROXIES: '10.9.9.9/32,fd00::/8' });
    try {
      const cert = ca.issue('not-from-the-proxy');
      await bindAll(elsewhere.t.url, elsewhere.token, cert);
      const response = await internal(elsewhere.t.url, escaped(cert)).expect(401);
      assert.deepEqual(response.body, UNAUTHORIZED);
      await internal(elsewhere.t.url, escaped(cert)).set('X-Forwarded-For', '10.9.9.9').expect(401);
    } finally {
      await elsewhere.t.close();
    }
  });

  it('believes the header from a listed CIDR, IPv4 or IPv6', async () => {
    const listed = await startBehindProxy({
      TRUST_PROXY: '1',
      MTLS_TRUSTED_PROXIES: '10.9.9.9/32, 127.0.0.0/8, ::1/128',
    });
    try {
      const cert = ca.issue('from-a-listed-range');
      await bindAll(listed.t.url, listed.token, cert);
      await internal(listed.t.url, escaped(cert)).expect(200);
    } finally {
      await listed.t.close();
    }
  });

  it('refuses to start with the header but without MTLS_TRUSTED_PROXIES, or with an entry that is no address', async () => {
    for (const [proxies, message] of [
      [undefined, /MTLS_CLIENT_CERT_HEADER needs MTLS_TRUSTED_PROXIES/],
      [' , ', /MTLS_CLIENT_CERT_HEADER needs MTLS_TRUSTED_PROXIES/],
      ['10.0.0.0/33', /MTLS_TRUSTED_PROXIES: not an IP address or CIDR: 10.0.0.0\/33/],
      ['proxy.internal', /MTLS_TRUSTED_PROXIES: not an IP address or CIDR/],
    ] as const) {
      await assert.rejects(
        startApp({
          TLS_CLIENT_CA: ca.certFile,
          MTLS_CLIENT_CERT_HEADER: HEADER,
          TRUST_PROXY: '1',
          MTLS_TRUSTED_PROXIES: proxies,
        }),
        (error: Error) => {
          assert.ok(error instanceof ConfigError, String(error));
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });

  it('refuses to start with the header but without TRUST_PROXY', async () => {
    for (const trust of [undefined, 'false', '0']) {
      await assert.rejects(
        startApp({
          TLS_CLIENT_CA: ca.certFile,
          MTLS_CLIENT_CERT_HEADER: HEADER,
          MTLS_TRUSTED_PROXIES: '127.0.0.1',
          TRUST_PROXY: trust,
        }),
        (error: Error) => {
          assert.ok(error instanceof ConfigError, String(error));
          assert.match(error.message, /MTLS_CLIENT_CERT_HEADER needs TRUST_PROXY/);
          return true;
        },
      );
    }
  });
});

describe('TLS configuration', () => {
  const load = (env: Env) => () => loadConfig({ DATA_DIR: pki.dir, ...env });

  it('takes the three files together, or the client CA alone behind a proxy', () => {
    const config = load(TLS)();
    assert.deepEqual(Object.keys(config.https ?? {}).sort(), ['cert', 'clientCa', 'key']);
    assert.equal(config.mtls.clientCa, ca.pem);
    const proxied = load({
      TLS_CLIENT_CA: ca.certFile,
      MTLS_CLIENT_CERT_HEADER: 'X-Client-Cert',
      TRUST_PROXY: '1',
      MTLS_TRUSTED_PROXIES: '10.0.0.1, fd00::/8',
    })();
    assert.equal(proxied.https, undefined);
    assert.equal(proxied.mtls.clientCertHeader, 'X-Client-Cert');
    assert.deepEqual(proxied.mtls.trustedProxies, ['10.0.0.1', 'fd00::/8']);
    assert.deepEqual(load({})().mtls, {});
  });

  it('refuses some of the files without the others, unreadable files, and files that hold the wrong thing', () => {
    const refusals: Array<[Env, RegExp]> = [
      [{ TLS_CERT: server.certFile }, /set together/],
      [{ TLS_CERT: server.certFile, TLS_KEY: server.keyFile }, /set together/],
      [{ TLS_KEY: server.keyFile, TLS_CLIENT_CA: ca.certFile }, /set together/],
      [{ TLS_CLIENT_CA: ca.certFile }, /needs MTLS_CLIENT_CERT_HEADER/],
      [
        { MTLS_CLIENT_CERT_HEADER: 'X-Client-Cert', TRUST_PROXY: '1', MTLS_TRUSTED_PROXIES: '10.0.0.1' },
        /needs TLS_CLIENT_CA/,
      ],
      [
        { TLS_CLIENT_CA: ca.certFile, MTLS_CLIENT_CERT_HEADER: 'X-Client-Cert', TRUST_PROXY: '1' },
        /needs MTLS_TRUSTED_PROXIES/,
      ],
      [{ ...TLS, TLS_CLIENT_CA: join(pki.dir, 'missing.pem') }, /TLS_CLIENT_CA: cannot read/],
      [
        { ...TLS, TLS_CLIENT_CA: server.certFile },
        /TLS_CLIENT_CA must be a PEM file holding one or more CA certificates/,
      ],
      [{ ...TLS, TLS_KEY: server.certFile }, /TLS_KEY must be a PEM file holding a private key/],
      [{ ...TLS, TLS_CERT: server.keyFile }, /TLS_CERT must be a PEM file holding a certificate/],
    ];
    for (const [env, message] of refusals)
      assert.throws(load(env), (error: Error) => error instanceof ConfigError && message.test(error.message));
  });
});

describe(`without a client CA (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(() => t.close());

  it('refuses every certificate but still admits an API key on a route that takes either', async () => {
    const owner = (
      await request(t.url).post('/auth/register').send({ email: uniqueEmail(), password: PASSWORD }).expect(201)
    ).body;
    const token = (
      await request(t.url).post('/auth/token').send({ email: owner.email, password: PASSWORD }).expect(200)
    ).body.access_token;
    const key = await request(t.url)
      .post('/auth/api-keys')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'k', scopes: ['internal:read'] })
      .expect(201);
    await request(t.url)
      .get('/examples/internal')
      .set('X-Client-Cert', encodeURIComponent(ca.issue('ignored').pem))
      .expect(401);
    const response = await request(t.url).get('/examples/internal').set('X-API-Key', key.body.key).expect(200);
    assert.equal(response.body.via, 'apiKey');
  });
});

describe(`client certificates across instances (${storageMode})`, () => {
  const sharedPrefix = `${process.env.REDIS_KEY_PREFIX ?? 'test:'}${randomUUID()}:`;
  let a: TestApp;
  let adminSide: Instance;
  let b: ChildApp;
  let otherSide: Instance;
  before(async () => {
    if (!productionMode) return;
    const env = adminEnv();
    a = await startApp({ ...TLS, ...env, REDIS_KEY_PREFIX: sharedPrefix });
    adminSide = await new Instance(a.url, env.AUTH_BOOTSTRAP_ADMIN_EMAIL).start();
    b = await startAppProcess({ ...TLS, REDIS_KEY_PREFIX: sharedPrefix, SESSION_SECRET: a.env.SESSION_SECRET });
    otherSide = new Instance(b.url, env.AUTH_BOOTSTRAP_ADMIN_EMAIL);
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  const skip = productionMode
    ? false
    : 'needs REDIS_URL and DATABASE_URL: embedded instances share neither a database nor a bus';

  it(
    'revoking a binding on one instance refuses the certificate on the other within one second',
    { skip },
    async () => {
      const owner = await adminSide.newUser();
      const cert = ca.issue('shared');
      const binding = await adminSide.bind(owner.id, cert);
      await expectStatus(otherSide.internal(cert), 200);
      await expectStatus(otherSide.internal(cert), 200);
      const revokedAt = Date.now();
      await expectStatus(adminSide.admin('DELETE', `/service-certificates/${binding.id}`), 204);
      await waitForStatus(() => otherSide.internal(cert), 401, 1_000);
      assert.ok(Date.now() - revokedAt < 1_000);
    },
  );

  it(
    'disabling the owner on one instance refuses the certificate on the other within one second',
    { skip },
    async () => {
      const owner = await adminSide.newUser();
      const cert = ca.issue('shared-owner');
      await adminSide.bind(owner.id, cert);
      await expectStatus(otherSide.internal(cert), 200);
      await expectStatus(adminSide.admin('POST', `/users/${owner.id}/disable`), 204);
      await waitForStatus(() => otherSide.internal(cert), 401, 1_000);
    },
  );
});
