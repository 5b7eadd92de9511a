import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TrustedIssuers, TrustedProxies } from '../auth';
import { ConfigError } from './config-error';

type Env = Record<string, string | undefined>;

export interface TlsConfig {
  /** HTTPS with client certificates asked for (TLS_CERT, TLS_KEY, TLS_CLIENT_CA); unset: plain HTTP. */
  https?: { cert: string; key: string; clientCa: string };
  /** The `mtls` options of the AuthModule: the client CA, and the header of a TLS-terminating proxy. */
  mtls: { clientCa?: string; clientCertHeader?: string; trustedProxies?: string[] };
}

function readPem(env: Env, name: string): string {
  const path = env[name] as string;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function check(name: string, pem: string, parse: (pem: string) => unknown, what: string): string {
  try {
    parse(pem);
  } catch {
    throw new ConfigError(`${name} must be a PEM file holding ${what}`);
  }
  return pem;
}

/** Without a proxy, or with TRUST_PROXY=false or 0, nothing is trusted to forward a client certificate. */
const trustsAProxy = (value: string | undefined) => !!value && value !== 'false' && value !== '0';

/** MTLS_TRUSTED_PROXIES: comma-separated IPs or CIDRs; required with the header. */
function trustedProxies(env: Env): string[] {
  const entries = (env.MTLS_TRUSTED_PROXIES ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) {
    throw new ConfigError(
      'MTLS_CLIENT_CERT_HEADER needs MTLS_TRUSTED_PROXIES: the IPs or CIDRs of the proxies whose header is believed',
    );
  }
  try {
    TrustedProxies.parse(entries);
  } catch (error) {
    throw new ConfigError(`MTLS_TRUSTED_PROXIES: ${(error as Error).message}`);
  }
  return entries;
}

/**
 * TLS_CERT, TLS_KEY, TLS_CLIENT_CA, MTLS_CLIENT_CERT_HEADER and MTLS_TRUSTED_PROXIES. The three files
 * go together (the app then serves HTTPS and asks for client certificates), except behind a
 * TLS-terminating proxy: there TLS_CLIENT_CA alone checks the certificates the proxy forwards in
 * MTLS_CLIENT_CERT_HEADER, which is believed only from the peers MTLS_TRUSTED_PROXIES names.
 */
export function tlsConfig(env: Env): TlsConfig {
  const header = env.MTLS_CLIENT_CERT_HEADER || undefined;
  const serverFiles = !!env.TLS_CERT || !!env.TLS_KEY;
  const https = !!env.TLS_CERT && !!env.TLS_KEY && !!env.TLS_CLIENT_CA;
  if (serverFiles && !https) throw new ConfigError('TLS_CERT, TLS_KEY and TLS_CLIENT_CA must be set together');
  if (env.TLS_CLIENT_CA && !https && !header) {
    throw new ConfigError('TLS_CLIENT_CA without TLS_CERT and TLS_KEY needs MTLS_CLIENT_CERT_HEADER (behind a proxy)');
  }
  const proxies = header ? trustedProxies(env) : undefined;
  if (header && !trustsAProxy(env.TRUST_PROXY)) {
    throw new ConfigError(
      'MTLS_CLIENT_CERT_HEADER needs TRUST_PROXY: behind the proxy, client addresses come from X-Forwarded-For',
    );
  }
  if (header && !env.TLS_CLIENT_CA) {
    throw new ConfigError('MTLS_CLIENT_CERT_HEADER needs TLS_CLIENT_CA to check the certificates the proxy forwards');
  }
  if (!env.TLS_CLIENT_CA) return { mtls: {} };
  const clientCa = check(
    'TLS_CLIENT_CA',
    readPem(env, 'TLS_CLIENT_CA'),
    TrustedIssuers.fromPem,
    'one or more CA certificates',
  );
  const mtls = { clientCa, clientCertHeader: header, trustedProxies: proxies };
  if (!https) return { mtls };
  return {
    https: {
      cert: check('TLS_CERT', readPem(env, 'TLS_CERT'), (pem) => new X509Certificate(pem), 'a certificate'),
      key: check('TLS_KEY', readPem(env, 'TLS_KEY'), createPrivateKey, 'a private key'),
      clientCa,
    },
    mtls,
  };
}
