/** One OpenID provider the app signs users in with. */
export interface OidcProviderOptions {
  /** Lower-case letters, digits and `_`; names the routes (`/auth/oidc/<name>/login`). */
  name: string;
  /** The issuer identifier, e.g. `https://accounts.google.com`; its discovery document is at `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** The client secret of a confidential client (sent with `client_secret_basic`); without one, the client is public (PKCE only). */
  clientSecret?: string;
  /** Requested scopes (default `openid email profile`); `openid` is always among them. */
  scopes?: string[];
}

/** The `oidc` part of AuthModuleOptions. Durations in seconds. */
export interface OidcOptions {
  providers?: OidcProviderOptions[];
  /** The origin users reach the app at: redirect URIs are `<publicUrl>/<routes prefix>/oidc/<name>/callback`. Required with providers. */
  publicUrl?: string;
  /**
   * Accept an `http://` issuer on a loopback address (127.0.0.1, ::1, localhost), for development and
   * tests. Default false: every issuer must be `https://`. Never turn it on in production.
   */
  allowHttpLoopbackIssuers?: boolean;
  /** How long a browser has from the redirect to the provider to the callback (default 600). */
  flowTtlSeconds?: number;
  /** The first wait before discovery is tried again after a failure; it doubles up to 60 s (default 1). */
  discoveryRetrySeconds?: number;
}

export interface ResolvedOidcProvider {
  name: string;
  issuer: URL;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  /** Plain HTTP to this issuer is allowed (a loopback issuer outside production). */
  insecure: boolean;
}

export interface ResolvedOidcOptions {
  providers: ResolvedOidcProvider[];
  publicUrl: string | null;
  flowTtlSeconds: number;
  discoveryRetrySeconds: number;
}

export const OIDC_OPTIONS = Symbol('OIDC_OPTIONS');

export const PROVIDER_NAME = /^[a-z0-9_]{1,32}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function resolveProvider(provider: OidcProviderOptions, allowHttpLoopback: boolean): ResolvedOidcProvider {
  const where = `oidc provider ${provider.name}`;
  if (!PROVIDER_NAME.test(provider.name))
    throw new Error('AuthModule: oidc provider names are 1 to 32 of a-z, 0-9 and _');
  let issuer: URL;
  try {
    issuer = new URL(provider.issuer);
  } catch {
    throw new Error(`AuthModule: ${where}: issuer must be a URL`);
  }
  const insecure = issuer.protocol === 'http:';
  if (insecure && !(allowHttpLoopback && LOOPBACK_HOSTS.has(issuer.hostname))) {
    throw new Error(`AuthModule: ${where}: issuer must be https:// (http:// only on loopback, outside production)`);
  }
  if (!insecure && issuer.protocol !== 'https:') throw new Error(`AuthModule: ${where}: issuer must be https://`);
  if (issuer.search || issuer.hash) throw new Error(`AuthModule: ${where}: issuer must have no query or fragment`);
  if (!provider.clientId) throw new Error(`AuthModule: ${where}: clientId is required`);
  const scopes = new Set(['openid', ...(provider.scopes ?? ['email', 'profile'])]);
  for (const scope of scopes)
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) throw new Error(`AuthModule: ${where}: invalid scope`);
  return {
    name: provider.name,
    issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret || undefined,
    scopes: [...scopes].join(' '),
    insecure,
  };
}

export function resolveOidcOptions(options: OidcOptions = {}): ResolvedOidcOptions {
  const allowHttpLoopback = options.allowHttpLoopbackIssuers ?? false;
  const providers = (options.providers ?? []).map((provider) => resolveProvider(provider, allowHttpLoopback));
  const names = new Set(providers.map((provider) => provider.name));
  if (names.size !== providers.length) throw new Error('AuthModule: oidc provider names must be unique');
  const publicUrl = options.publicUrl?.replace(/\/+$/, '') ?? null;
  if (providers.length && !publicUrl) throw new Error('AuthModule: oidc.publicUrl is required with providers');
  if (publicUrl && !/^https?:\/\/[^\s/?#]+$/.test(publicUrl))
    throw new Error('AuthModule: oidc.publicUrl must be an origin');
  const flowTtlSeconds = options.flowTtlSeconds ?? 600;
  if (!Number.isInteger(flowTtlSeconds) || flowTtlSeconds < 1 || flowTtlSeconds > 3600) {
    throw new Error('AuthModule: oidc.flowTtlSeconds must be an integer from 1 to 3600');
  }
  const discoveryRetrySeconds = options.discoveryRetrySeconds ?? 1;
  if (!(discoveryRetrySeconds > 0)) throw new Error('AuthModule: oidc.discoveryRetrySeconds must be positive');
  return { providers, publicUrl, flowTtlSeconds, discoveryRetrySeconds };
}
