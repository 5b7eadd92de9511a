import { EncryptionKey } from '../core/encryption-keys';

/** The `webhooks` options of AuthModule.forRoot. Durations in seconds. */
export interface WebhookOptions {
  /**
   * Keys of 32+ random bytes (hex or base64) that encrypt endpoint secrets at rest: the first encrypts,
   * every one decrypts. Default: `mfa.encryptionKeys`.
   */
  encryptionKeys?: string[];
  /**
   * Endpoints on loopback, private, link-local, unique-local or metadata addresses are accepted and called
   * (default false: refused when created and again at every delivery). For development and tests only.
   */
  allowPrivateTargets?: boolean;
  /** Only `https://` endpoints (default true; the reference app lifts it outside production). */
  requireHttps?: boolean;
  /** How long one delivery attempt may take, connection to answer (default 10). */
  timeoutSeconds?: number;
  /** How long a delivery is retried before it is marked failed (default 259200: 3 days). */
  retryForSeconds?: number;
  /** How long the old secret also signs after a rotation (default 86400). */
  secretOverlapSeconds?: number;
}

export interface ResolvedWebhookOptions {
  keys: EncryptionKey[];
  allowPrivateTargets: boolean;
  requireHttps: boolean;
  timeoutMs: number;
  retryForMs: number;
  secretOverlapMs: number;
}

export const WEBHOOK_OPTIONS = Symbol('WEBHOOK_OPTIONS');

function seconds(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`AuthModule: webhooks.${name} must be an integer from 1 to ${max}`);
  return value * 1000;
}

/** `defaultKeys`: `mfa.encryptionKeys`. */
export function resolveWebhookOptions(
  options: WebhookOptions = {},
  defaultKeys: string[] = [],
): ResolvedWebhookOptions {
  const encoded = options.encryptionKeys ?? defaultKeys;
  const keys = encoded.map((value) => {
    const key = EncryptionKey.parse(value);
    if (!key) throw new Error('AuthModule: each of webhooks.encryptionKeys must be 32 or more bytes, as hex or base64');
    return key;
  });
  if (!keys.length)
    throw new Error(
      'AuthModule: webhooks.encryptionKeys (or mfa.encryptionKeys) is required: it encrypts endpoint secrets at rest',
    );
  if (new Set(keys.map((key) => key.id)).size !== keys.length)
    throw new Error('AuthModule: webhooks.encryptionKeys lists a key twice');
  return {
    keys,
    allowPrivateTargets: options.allowPrivateTargets === true,
    requireHttps: options.requireHttps !== false,
    timeoutMs: seconds(options.timeoutSeconds ?? 10, 'timeoutSeconds', 60),
    retryForMs: seconds(options.retryForSeconds ?? 259_200, 'retryForSeconds', 30 * 86_400),
    secretOverlapMs: seconds(options.secretOverlapSeconds ?? 86_400, 'secretOverlapSeconds', 30 * 86_400),
  };
}
