import { ACCESS_TOKEN_TYPE } from './access-token-claims';
import { MAX_ACCESS_TOKEN_LENGTH } from './bearer-token';
import { JwtKey, JwtKeyRing } from './jwt-key-ring';

/** Header parameters that carry or point to key material: honouring them would let a token choose its own key (RFC 8725 §3.10). */
const KEY_MATERIAL_PARAMETERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'];
const MAX_HEADER_SEGMENT = 1024;
const TYPES = new Set([ACCESS_TOKEN_TYPE, `application/${ACCESS_TOKEN_TYPE}`]);

function decodeHeader(token: string): Record<string, unknown> | null {
  if (token.length > MAX_ACCESS_TOKEN_LENGTH) return null;
  const segments = token.split('.');
  if (segments.length !== 3 || segments[0].length > MAX_HEADER_SEGMENT) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(segments[0], 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header)
      ? (header as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * The one key of ours that may verify this token, or null. The token names a key by `kid` only among
 * our own, and must name that key's algorithm exactly; `typ` keeps other JWTs (ID tokens, refresh
 * tokens of other systems) from passing as access tokens (RFC 8725 §3.11, RFC 9068).
 */
export function keyForToken(token: string, keys: JwtKeyRing): JwtKey | null {
  const header = decodeHeader(token);
  if (!header) return null;
  if (typeof header.typ !== 'string' || !TYPES.has(header.typ.toLowerCase())) return null;
  if (KEY_MATERIAL_PARAMETERS.some((name) => name in header) || 'crit' in header) return null;
  const key = keys.find(header.kid);
  if (!key || header.alg !== key.alg) return null;
  return key;
}
