import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, KeyObject, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import Provider, { Configuration, KoaContextWithOIDC } from 'oidc-provider';

/** Who the provider's sign-in page logs in next, or `deny` for a user who declines (`error=access_denied`). */
export interface TestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  /** How the provider says the user authenticated (RFC 8176), e.g. `['pwd', 'mfa']`. */
  amr?: string[];
}

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface ProviderOptions {
  clients: TestClient[];
  /** Listen on this port (a port chosen earlier, for a provider that comes up late). */
  port?: number;
  /** True (the provider's default): scope claims such as `email` only from UserInfo, not in the ID token. */
  conformIdTokenClaims?: boolean;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

const newKey = (): SigningKey => ({
  kid: randomUUID(),
  privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
});

/**
 * panva's oidc-provider (the certified OpenID Provider) on plain HTTP on a free port, with a sign-in
 * "page" that logs in `nextLogin` at once (or declines), consent given by a grant for every scope, and
 * a hook that rewrites the ID token of the next token response (the tests' tampering).
 */
export class TestOidcProvider {
  nextLogin: TestAccount | 'deny' = { sub: 'nobody' };
  /** Applied once, to the ID token of the next token endpoint response. */
  tamperNextIdToken?: (idToken: string) => string;
  private readonly accounts = new Map<string, TestAccount>();

  private constructor(
    readonly issuer: string,
    private readonly server: Server,
    private readonly key: SigningKey,
  ) {}

  static async start(options: ProviderOptions): Promise<TestOidcProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const key = newKey();
    const harness = new TestOidcProvider(issuer, server, key);
    const jwk = { ...key.privateKey.export({ format: 'jwk' }), kid: key.kid, alg: 'RS256', use: 'sig' };
    const configuration: Configuration = {
      clients: options.clients.map((client) => ({
        ...client,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      jwks: { keys: [jwk] } as Configuration['jwks'],
      cookies: { keys: [randomBytes(32).toString('hex')] },
      // `amr` from the account, as IdPs that did MFA tell it (RFC 8176).
      claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
      conformIdTokenClaims: options.conformIdTokenClaims ?? true,
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx, id) => {
        const account = harness.accounts.get(id);
        return account && { accountId: id, claims: () => ({ ...account }) };
      },
      // Consent is not what these tests are about: every client gets every scope it asks for.
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const { client, session } = ctx.oidc;
        if (!client || !session?.accountId) return undefined;
        const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
        grant.addOIDCScope('openid email profile');
        await grant.save();
        return grant;
      },
    };
    const provider = new Provider(issuer, configuration);
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: unknown } | undefined;
      if (ctx.path === '/token' && harness.tamperNextIdToken && typeof body?.id_token === 'string') {
        const tamper = harness.tamperNextIdToken;
        harness.tamperNextIdToken = undefined;
        ctx.body = { ...body, id_token: tamper(body.id_token) };
      }
    });
    const handle = provider.callback();
    server.on('request', (req, res) => {
      if (!req.url?.startsWith('/interaction/')) return void handle(req, res);
      void (async () => {
        await provider.interactionDetails(req, res);
        const login = harness.nextLogin;
        if (login === 'deny') {
          await provider.interactionFinished(req, res, {
            error: 'access_denied',
            error_description: 'The user declined',
          });
          return;
        }
        harness.accounts.set(login.sub, login);
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: login.sub, amr: login.amr } },
          { mergeWithLastSubmission: false },
        );
      })().catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    return harness;
  }

  /** The claims of an ID token, re-signed with the provider's own key (or `other`: a key the provider never published, same `kid`). */
  resign(
    idToken: string,
    change: (claims: Record<string, unknown>) => Record<string, unknown>,
    signer: 'provider' | 'other' = 'provider',
  ): string {
    const claims = jwt.decode(idToken) as Record<string, unknown>;
    return this.mint(change(claims), signer);
  }

  /** An ID token as the provider would sign it (RS256, its `kid`), with exactly these claims. */
  mint(claims: Record<string, unknown>, signer: 'provider' | 'other' = 'provider'): string {
    const key = signer === 'provider' ? this.key.privateKey : newKey().privateKey;
    const present = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
    return jwt.sign(present, key, { algorithm: 'RS256', keyid: this.key.kid });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A free TCP port on 127.0.0.1 (for a server that starts later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A browser by hand: a cookie jar per origin, redirects followed one at a time, and one origin
 * (the app's `PUBLIC_URL`) mapped to where the app really listens.
 */
export class TestBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  constructor(private readonly aliases: Record<string, string> = {}) {}

  resolve(url: string): URL {
    for (const [alias, real] of Object.entries(this.aliases))
      if (url.startsWith(alias)) return new URL(real + url.slice(alias.length));
    return new URL(url);
  }

  cookiesFor(url: string): string {
    const jar = this.jars.get(this.resolve(url).host);
    return jar ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : '';
  }

  /** Puts a cookie (`name=value`) in the jar of the origin of `url`. */
  setCookie(url: string, pair: string): void {
    const host = this.resolve(url).host;
    const jar = this.jars.get(host) ?? new Map<string, string>();
    this.jars.set(host, jar);
    const [name, ...rest] = pair.split('=');
    jar.set(name, rest.join('='));
  }

  get(url: string, headers: Record<string, string> = {}): Promise<globalThis.Response> {
    return this.request('GET', url, headers);
  }

  async request(
    method: string,
    url: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<globalThis.Response> {
    const target = this.resolve(url);
    const response = await fetch(target, {
      method,
      body,
      redirect: 'manual',
      headers: { ...headers, cookie: this.cookiesFor(target.href) },
    });
    const jar = this.jars.get(target.host) ?? new Map<string, string>();
    this.jars.set(target.host, jar);
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...rest] = pair.split('=');
      const expired = attributes.some(
        (a) => /^\s*max-age=0/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()),
      );
      if (expired) jar.delete(name.trim());
      else jar.set(name.trim(), rest.join('='));
    }
    return response;
  }

  /** Follows redirects from `url` until one points at a URL `stop` accepts (returned, not requested) or a page answers without one. */
  async follow(
    url: string,
    stop: (location: string) => boolean,
  ): Promise<{ location?: string; response: globalThis.Response }> {
    let next = url;
    for (let hop = 0; hop < 15; hop++) {
      const response = await this.get(next);
      const location = response.headers.get('location');
      if (!location || response.status < 300 || response.status > 399) return { response };
      next = new URL(location, this.resolve(next)).href;
      await response.arrayBuffer();
      if (stop(next)) return { location: next, response };
    }
    throw new Error('too many redirects');
  }
}
