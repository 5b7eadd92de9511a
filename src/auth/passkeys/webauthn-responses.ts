import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { CREDENTIAL_ID_MAX_LENGTH } from './passkey.entity';

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** Far above any real attestation or assertion field, far below the 10 kB body limit that bounds them anyway. */
const FIELD_MAX_LENGTH = 8_000;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function base64url(value: unknown, maxLength = FIELD_MAX_LENGTH): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && BASE64URL.test(value);
}

function hasCredentialEnvelope(value: Record<string, unknown>): boolean {
  return (
    base64url(value.id, CREDENTIAL_ID_MAX_LENGTH) &&
    value.rawId === value.id &&
    value.type === 'public-key' &&
    (value.clientExtensionResults === undefined || isRecord(value.clientExtensionResults)) &&
    isRecord(value.response)
  );
}

/** The response of `navigator.credentials.create()` as JSON, when it has the shape WebAuthn gives it; null otherwise. */
export function asRegistrationResponse(value: unknown): RegistrationResponseJSON | null {
  if (!isRecord(value) || !hasCredentialEnvelope(value)) return null;
  const response = value.response as Record<string, unknown>;
  if (!base64url(response.clientDataJSON) || !base64url(response.attestationObject)) return null;
  if (
    response.transports !== undefined &&
    !(Array.isArray(response.transports) && response.transports.every((t) => typeof t === 'string'))
  ) {
    return null;
  }
  return {
    ...(value as unknown as RegistrationResponseJSON),
    clientExtensionResults: (value.clientExtensionResults as object) ?? {},
  };
}

/** The response of `navigator.credentials.get()` as JSON, when it has the shape WebAuthn gives it; null otherwise. */
export function asAuthenticationResponse(value: unknown): AuthenticationResponseJSON | null {
  if (!isRecord(value) || !hasCredentialEnvelope(value)) return null;
  const response = value.response as Record<string, unknown>;
  if (!base64url(response.clientDataJSON) || !base64url(response.authenticatorData) || !base64url(response.signature))
    return null;
  if (response.userHandle !== undefined && response.userHandle !== null && !base64url(response.userHandle, 88))
    return null;
  return {
    ...(value as unknown as AuthenticationResponseJSON),
    clientExtensionResults: (value.clientExtensionResults as object) ?? {},
  };
}

/** The challenge the browser signed, read from `clientDataJSON`, so it can be spent before anything else is checked. */
export function signedChallengeOf(response: { response: { clientDataJSON: string } }): string | null {
  try {
    const clientData: unknown = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8'));
    const challenge = isRecord(clientData) ? clientData.challenge : undefined;
    return base64url(challenge, 100) ? challenge : null;
  } catch {
    return null;
  }
}
