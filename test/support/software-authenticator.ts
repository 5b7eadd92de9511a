import { isoCBOR } from '@simplewebauthn/server/helpers';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export interface StoredCredential {
  id: Buffer;
  privateKey: KeyObject;
  userHandle: string;
  signCount: number;
}

export interface CeremonyOptions {
  /** The origin the client puts in clientDataJSON (default: the authenticator's own). */
  origin?: string;
  /** Whether the authenticator says it verified the user (default true). */
  userVerified?: boolean;
  /** Sign with this credential instead of the first one. */
  credential?: StoredCredential;
  /** Leave the user handle out of an assertion. */
  omitUserHandle?: boolean;
  /** The RP id whose hash goes into authenticator data (default: the options' one). */
  rpId?: string;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/**
 * A platform authenticator in software, following WebAuthn §6 byte for byte (authenticator data,
 * "none" attestation in CBOR, an ES256 COSE key, signatures over authData ‖ SHA-256(clientDataJSON)),
 * so the server's checks can be driven without a browser, including answers a browser would not give.
 */
export class SoftwareAuthenticator {
  readonly credentials: StoredCredential[] = [];

  constructor(private readonly origin: string) {}

  create(options: PublicKeyCredentialCreationOptionsJSON, ceremony: CeremonyOptions = {}): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const credential: StoredCredential = { id: randomBytes(32), privateKey, userHandle: options.user.id, signCount: 0 };
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x as string, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y as string, 'base64url'))],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const authData = Buffer.concat([
      this.header(
        ceremony.rpId ?? options.rp.id ?? '',
        AT | UP | (ceremony.userVerified === false ? 0 : UV),
        credential.signCount,
      ),
      Buffer.alloc(16),
      idLength,
      credential.id,
      Buffer.from(cose),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    this.credentials.push(credential);
    const id = credential.id.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, ceremony.origin),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  get(options: PublicKeyCredentialRequestOptionsJSON, ceremony: CeremonyOptions = {}): AuthenticationResponseJSON {
    const credential = ceremony.credential ?? this.credentials[0];
    credential.signCount++;
    const authData = this.header(
      ceremony.rpId ?? options.rpId ?? '',
      UP | (ceremony.userVerified === false ? 0 : UV),
      credential.signCount,
    );
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, ceremony.origin);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]),
      credential.privateKey,
    );
    const id = credential.id.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(ceremony.omitUserHandle ? {} : { userHandle: credential.userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private header(rpId: string, flags: number, signCount: number): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(signCount);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counter]);
  }

  private clientData(type: string, challenge: string, origin = this.origin): string {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })).toString('base64url');
  }
}
