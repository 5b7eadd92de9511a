import { Injectable } from '@nestjs/common';
import { createPublicKey, JsonWebKey, KeyObject } from 'node:crypto';
import jwt, { Algorithm, JwtPayload } from 'jsonwebtoken';
import { safeEqual } from '../core/secrets';
import type { LiveOidcProvider } from './oidc-providers';

/** Signature algorithms an ID token may use: asymmetric only, so a token can never be "signed" with the client secret or `none`. */
const ASYMMETRIC: Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const KEYS_TTL_MS = 10 * 60_000;
/** An unknown `kid` fetches the key set again (the provider rotated), but no more often than this. */
const REFETCH_AFTER_MS = 30_000;
const FETCH_TIMEOUT_MS = 10_000;
const MAX_TOKEN_LENGTH = 8192;
export const ID_TOKEN_CLOCK_TOLERANCE_SECONDS = 5;

interface ProviderKey {
  kid?: string;
  alg?: string;
  key: KeyObject;
}

interface KeySet {
  keys: ProviderKey[];
  fetchedAt: number;
}

/** The token's parts before any check, or null: jws throws on a payload that is not JSON when the header says `typ: JWT`. */
function decodeUnverified(token: string): jwt.Jwt | null {
  try {
    return jwt.decode(token, { complete: true });
  } catch {
    return null;
  }
}

/** Google's ID tokens name their issuer with or without the scheme (Google Identity documentation). */
const ISSUER_ALIASES: Record<string, string[]> = { 'https://accounts.google.com': ['accounts.google.com'] };

/**
 * The ID token a mobile app got from the provider's own SDK (OpenID Connect Core §3.1.3.7): signed
 * by one of the provider's keys (its `jwks_uri`) with an asymmetric algorithm, issued by the
 * provider, for our client id, unexpired, and carrying the app's nonce when it names one.
 */
@Injectable()
export class IdTokenVerifier {
  private readonly keySets = new Map<string, KeySet>();

  /** The token's claims, or null for any token that does not hold. */
  async verify(provider: LiveOidcProvider, token: unknown, nonce?: string): Promise<Record<string, unknown> | null> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
    const decoded = decodeUnverified(token);
    if (!decoded || typeof decoded.payload === 'string') return null;
    const { alg, kid } = decoded.header;
    const metadata = provider.config.serverMetadata();
    const allowed = ASYMMETRIC.filter((candidate) =>
      (metadata.id_token_signing_alg_values_supported ?? ['RS256']).includes(candidate),
    );
    if (!allowed.includes(alg as Algorithm)) return null;
    const key = await this.keyFor(provider, kid, alg);
    if (!key) return null;
    const issuer = metadata.issuer;
    let payload: JwtPayload;
    try {
      payload = jwt.verify(token, key.key, {
        algorithms: [alg as Algorithm],
        issuer: [issuer, ...(ISSUER_ALIASES[issuer] ?? [])] as [string, ...string[]],
        audience: provider.settings.clientId,
        clockTolerance: ID_TOKEN_CLOCK_TOLERANCE_SECONDS,
      }) as JwtPayload;
    } catch {
      return null;
    }
    if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number' || typeof payload.iat !== 'number')
      return null;
    // With several audiences, the one the token was issued to must be us (Core §3.1.3.7, step 4 and 5).
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== provider.settings.clientId) return null;
    if (nonce !== undefined && (typeof payload.nonce !== 'string' || !safeEqual(payload.nonce, nonce))) return null;
    return payload;
  }

  private async keyFor(provider: LiveOidcProvider, kid: string | undefined, alg: string): Promise<ProviderKey | null> {
    const name = provider.settings.name;
    let set = this.keySets.get(name);
    const now = Date.now();
    const pick = (keys: ProviderKey[]) => {
      const candidates = keys.filter(
        (key) => (kid === undefined || key.kid === kid) && (key.alg === undefined || key.alg === alg),
      );
      // Without a kid, only a set with one fitting key is unambiguous.
      return candidates.length === 1 || (kid !== undefined && candidates.length) ? candidates[0] : null;
    };
    if (!set || now - set.fetchedAt > KEYS_TTL_MS || (!pick(set.keys) && now - set.fetchedAt > REFETCH_AFTER_MS)) {
      const fetched = await this.fetchKeys(provider).catch(() => null);
      if (fetched) {
        set = { keys: fetched, fetchedAt: now };
        this.keySets.set(name, set);
      }
    }
    return set ? pick(set.keys) : null;
  }

  private async fetchKeys(provider: LiveOidcProvider): Promise<ProviderKey[]> {
    const uri = provider.config.serverMetadata().jwks_uri;
    if (!uri) return [];
    const url = new URL(uri);
    if (url.protocol !== 'https:' && !(provider.settings.insecure && url.protocol === 'http:')) return [];
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
    if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) return [];
    const keys: ProviderKey[] = [];
    for (const jwk of body.keys as Array<JsonWebKey & { kid?: unknown; alg?: unknown; use?: unknown }>) {
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      if (jwk.d !== undefined) continue;
      try {
        const key = createPublicKey({ key: jwk, format: 'jwk' });
        keys.push({
          kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
          alg: typeof jwk.alg === 'string' ? jwk.alg : undefined,
          key,
        });
      } catch {
        // A key of a type Node cannot read is simply not one the token can be checked with.
      }
    }
    return keys;
  }
}
