import { createHmac, createPrivateKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import request from 'supertest';
import { PASSWORD, register, uniqueEmail } from './app';

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
export const json64 = (value: unknown): string => b64url(JSON.stringify(value));

export function decodeSegment(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8'));
}

export function newEcKeyPem(): { privateKey: string; publicKey: string } {
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export function newRsaKeyPem(): { privateKey: string; publicKey: string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** Signs `header.payload` exactly as given, so tests can forge every shape of token. */
export function craft(
  header: Record<string, unknown>,
  payload: unknown,
  key: { alg: 'ES256' | 'RS256'; privateKey: string | KeyObject } | { alg: 'HS256'; secret: string | Buffer } | null,
): string {
  const input = `${json64(header)}.${typeof payload === 'string' ? b64url(payload) : json64(payload)}`;
  if (!key) return `${input}.`;
  if (key.alg === 'HS256') return `${input}.${createHmac('sha256', key.secret).update(input).digest('base64url')}`;
  const privateKey = typeof key.privateKey === 'string' ? createPrivateKey(key.privateKey) : key.privateKey;
  const signature = sign(
    'sha256',
    Buffer.from(input),
    key.alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey,
  );
  return `${input}.${signature.toString('base64url')}`;
}

/** Registers a user and gets a token pair for them. */
export async function tokensFor(
  url: string,
  email = uniqueEmail(),
  registerFirst = true,
): Promise<TokenResponse & { email: string; userId: string }> {
  const user = registerFirst ? await register(url, email) : undefined;
  const response = await request(url).post('/auth/token').send({ email, password: PASSWORD }).expect(200);
  const claims = decodeSegment(response.body.access_token, 1);
  return { ...response.body, email, userId: user?.id ?? String(claims.sub) };
}
