import { AccountParts } from '../core/account-parts';
import {
  BadRequestException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  OnModuleInit,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { Request } from 'express';
import { createHash, randomUUID } from 'node:crypto';
import { LessThan, Repository } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { AuthTelemetry } from '../core/auth-telemetry';
import { IdentifiedUser } from '../core/identified-user';
import { ReauthenticationMethods } from '../core/reauthentication-methods';
import { SecondStep, SecondStepSlot } from '../core/second-step';
import { SignInMethods } from '../core/sign-in-methods';
import { AuthUser, USER_STORE, UserStore } from '../core/user-store';
import { UserRevocations } from '../core/user-revocations';
import { SIGN_IN_POLICY, SignInPolicy } from '../core/sign-in-policy';
import { PasswordLogin } from '../login/password-login';
import { PasskeyChallenges } from './passkey-challenges';
import { Passkey } from './passkey.entity';
import { PASSKEY_OPTIONS, ResolvedPasskeyOptions } from './passkeys.options';
import { asAuthenticationResponse, asRegistrationResponse, signedChallengeOf } from './webauthn-responses';

export const PASSKEY_SIGN_IN_FAILED = 'Sign-in failed';
export const PASSKEY_NOT_ACCEPTED = 'Passkey not accepted';

/** EdDSA, ES256, RS256: what authenticators offer, and what the verification library checks. */
const SUPPORTED_ALGORITHMS = [-8, -7, -257];

/**
 * A passkey with user verification: a key the device holds and the PIN or biometric that unlocked it,
 * two factors (RFC 8176), so it stands for the second factor where a route asks for one (API.md).
 */
export const PASSKEY_AMR = ['hwk', 'user', 'mfa'];

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface AssertionExpectations {
  /** The user the assertion must be of (a passkey as second factor); unset for a discoverable credential, whoever holds it. */
  expectedUserId?: string;
  /** Whether the authenticator must have verified the user (PIN, biometrics): required when the passkey is the only factor. */
  requireUserVerification: boolean;
}

/**
 * The WebAuthn user handle of a user: the same for all their passkeys (an authenticator keeps one
 * discoverable credential per user and site), derived from the id so that it needs no column of its
 * own, and opaque, as WebAuthn asks: it is stored on the authenticator and given to anyone using it.
 */
export function userHandleOf(userId: string): string {
  return createHash('sha256').update(`nest-auth passkey user\0${userId}`).digest('base64url');
}

const bytes = (base64url: string) => new Uint8Array(Buffer.from(base64url, 'base64url'));

/** Passkeys of users: registration while signed in, assertions for a sign-in or a second factor, the list, removal. */
@Injectable()
export class Passkeys implements OnModuleInit {
  constructor(
    @InjectRepository(Passkey) private readonly rows: Repository<Passkey>,
    @Inject(PASSKEY_OPTIONS) private readonly options: ResolvedPasskeyOptions,
    private readonly challenges: PasskeyChallenges,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly revocations: UserRevocations,
    private readonly signInMethods: SignInMethods,
    private readonly passwordLogin: PasswordLogin,
    private readonly audit: AuditLog,
    private readonly telemetry: AuthTelemetry,
    @Inject(SIGN_IN_POLICY) private readonly policy: SignInPolicy,
    private readonly secondSteps: SecondStepSlot,
    private readonly reauthentication: ReauthenticationMethods,
    parts: AccountParts,
  ) {
    parts.add({
      name: 'passkeys',
      view: (userId) => this.list(userId),
      remove: async (userId, manager) => void (await manager.delete(Passkey, { userId })),
    });
  }

  private get secondStep(): SecondStep {
    const step = this.secondSteps.current;
    // No second step can be pending where none is kept: the same answer as for an unknown mfaToken.
    if (!step) throw new UnauthorizedException('Sign-in failed');
    return step;
  }

  onModuleInit(): void {
    this.signInMethods.register({
      name: 'passkeys',
      count: (userId) => this.countOf(userId),
      removeAllMadeBefore: async (userId, before) =>
        (await this.rows.delete({ userId, createdAt: LessThan(before) })).affected ?? 0,
    });
    // Without the feature that keeps second steps, a passkey is a way to sign in only.
    this.secondSteps.current?.register({
      methods: ['passkey'],
      turnsStepOn: false,
      enrolled: async (userId) => (await this.countOf(userId)) > 0,
      count: (userId) => this.countOf(userId),
    });
    if (this.options.enabled) {
      this.reauthentication.register({
        method: 'passkey',
        amr: PASSKEY_AMR,
        held: async (userId) => (await this.countOf(userId)) > 0,
        options: (userId) => this.authenticationOptions(userId, true),
        // User verification as for a passwordless sign-in: the passkey stands for the whole proof.
        verify: async (principal, answer) =>
          !!(await this.verifyAssertion(answer, { expectedUserId: principal.user.id, requireUserVerification: true })),
      });
    }
  }

  countOf(userId: string): Promise<number> {
    return this.rows.count({ where: { userId } });
  }

  async registrationOptions(principal: AuthPrincipal): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const user: Pick<AuthUser, 'id' | 'email' | 'name'> = (await this.users.findById(principal.user.id)) ?? {
      ...principal.user,
      name: null,
    };
    const existing = await this.rows.find({
      where: { userId: user.id },
      select: { id: true, credentialId: true, transports: true },
    });
    const challenge = await this.challenges.issue('register', user.id);
    return generateRegistrationOptions({
      rpName: this.options.rpName,
      rpID: this.options.rpId,
      userName: user.email,
      userDisplayName: user.name ?? user.email,
      userID: bytes(userHandleOf(user.id)),
      challenge: bytes(challenge),
      timeout: this.options.challengeTtlSeconds * 1000,
      attestationType: 'none',
      // One passkey per authenticator: the browser refuses to make a second one where the user has one.
      excludeCredentials: existing.map((row) => ({ id: row.credentialId, transports: row.transports })),
      // Discoverable, so it signs in without an email; verified, so it is a full sign-in on its own.
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  }

  /** Stores the passkey the browser made with the user's live registration challenge; 400 alike for anything that does not hold. */
  async register(
    principal: AuthPrincipal,
    presented: unknown,
    name: string | undefined,
    request: Request,
  ): Promise<PasskeyView> {
    const userId = principal.user.id;
    const response = asRegistrationResponse(presented);
    const challenge = response && signedChallengeOf(response);
    // Spent first: a challenge is answered once, whether or not the answer holds.
    if (!challenge || (await this.challenges.take('register', challenge)) !== userId)
      throw new BadRequestException(PASSKEY_NOT_ACCEPTED);
    const verification = await verifyRegistrationResponse({
      response: response as NonNullable<typeof response>,
      expectedChallenge: challenge,
      expectedOrigin: this.options.origins,
      expectedRPID: this.options.rpId,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    }).catch(() => null);
    if (!verification?.verified) throw new BadRequestException(PASSKEY_NOT_ACCEPTED);
    const { credential } = verification.registrationInfo;
    const row: Passkey = {
      id: randomUUID(),
      userId,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: (credential.transports ?? []).filter((t) => typeof t === 'string' && t.length <= 32).slice(0, 10),
      name: name ?? 'Passkey',
      createdAt: new Date(),
      lastUsedAt: null,
    };
    await this.audit.transaction(async (tx) => {
      // A credential id belongs to one account only (WebAuthn §7.1 step 26): the unique index refuses a second row.
      await tx.manager
        .withRepository(this.rows)
        .insert(row)
        .catch(() => {
          throw new BadRequestException(PASSKEY_NOT_ACCEPTED);
        });
      tx.record({
        type: 'passkey.registered',
        userId,
        mechanism: principal.via,
        request,
        detail: { passkeyId: row.id },
      });
    });
    return { id: row.id, name: row.name, createdAt: row.createdAt, lastUsedAt: null };
  }

  /**
   * Options of a sign-in ceremony. Without `forUserId`, for a discoverable credential of whoever holds
   * one (passwordless: user verification required); with it, for that user's passkeys only (the
   * second factor after a password, where the password was the knowledge factor; or a re-authentication,
   * which asks for user verification).
   */
  async authenticationOptions(
    forUserId?: string,
    requireUserVerification = !forUserId,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allowCredentials = forUserId
      ? (
          await this.rows.find({
            where: { userId: forUserId },
            select: { id: true, credentialId: true, transports: true },
          })
        ).map((row) => ({
          id: row.credentialId,
          transports: row.transports,
        }))
      : [];
    const challenge = await this.challenges.issue('login', forUserId ?? '');
    return generateAuthenticationOptions({
      rpID: this.options.rpId,
      challenge: bytes(challenge),
      timeout: this.options.challengeTtlSeconds * 1000,
      userVerification: requireUserVerification ? 'required' : 'preferred',
      allowCredentials,
    });
  }

  /**
   * Checks an assertion against a live challenge of the same kind (spent by this call, whatever the
   * outcome), a stored credential, the relying party's origins and id, the user handle, user
   * verification when asked, and the signature counter, which it then stores: answers the passkey,
   * or null for anything that does not hold. Both the passwordless sign-in and the second factor use it.
   */
  async verifyAssertion(presented: unknown, expectations: AssertionExpectations): Promise<Passkey | null> {
    const response = asAuthenticationResponse(presented);
    const challenge = response && signedChallengeOf(response);
    if (!response || !challenge) return null;
    const subject = await this.challenges.take('login', challenge);
    // A challenge issued for one user's second factor is no passwordless challenge, and the other way round.
    if (subject === null || subject !== (expectations.expectedUserId ?? '')) return null;
    const row = await this.rows.findOne({ where: { credentialId: response.id } });
    if (!row || (expectations.expectedUserId !== undefined && row.userId !== expectations.expectedUserId)) return null;
    // The user handle names the account the authenticator holds the credential for (§7.2 step 6): a
    // discoverable sign-in must carry it, and when present it must be the credential's owner's.
    const userHandle = response.response.userHandle;
    if (userHandle ? userHandle !== userHandleOf(row.userId) : expectations.expectedUserId === undefined) return null;
    const verification = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: this.options.origins,
      expectedRPID: this.options.rpId,
      expectedType: 'webauthn.get',
      credential: {
        id: row.credentialId,
        publicKey: bytes(row.publicKey),
        counter: row.counter,
        transports: row.transports,
      },
      requireUserVerification: expectations.requireUserVerification,
    }).catch(() => null);
    if (!verification?.verified) return null;
    const { newCounter } = verification.authenticationInfo;
    // The library refused a counter that did not grow; the conditional update refuses a concurrent use
    // of the same counter value (a cloned authenticator), and a passkey removed meanwhile.
    const { affected } = await this.rows.update(
      { id: row.id, counter: row.counter },
      { counter: newCounter, lastUsedAt: new Date() },
    );
    return affected === 1 ? { ...row, counter: newCounter } : null;
  }

  /**
   * Passwordless sign-in: a discoverable passkey with user verification, to the user it belongs to,
   * with the epoch read before the user is; 401 alike for every failure.
   */
  async identify(presented: unknown, request: Request, mechanism: string): Promise<IdentifiedUser> {
    const passkey = await this.verifyAssertion(presented, { requireUserVerification: true });
    const epoch = passkey ? await this.revocations.epochOf(passkey.userId) : 0;
    const user = passkey ? await this.users.findById(passkey.userId) : null;
    if (!passkey || !user || user.disabled) {
      await this.audit.record({
        type: 'login.failed',
        userId: user?.id ?? null,
        mechanism,
        request,
        detail: { method: 'passkey' },
      });
      this.telemetry.login('passkey', 'failure');
      throw new UnauthorizedException(PASSKEY_SIGN_IN_FAILED);
    }
    if (this.policy.requireVerifiedEmail && !user.emailVerified) {
      await this.audit.record({
        type: 'login.failed',
        userId: user.id,
        mechanism,
        request,
        detail: { method: 'passkey', reason: 'email_not_verified' },
      });
      this.telemetry.login('passkey', 'unverified');
      throw new ForbiddenException('Email not verified');
    }
    return { user, epoch, method: 'passkey', amr: PASSKEY_AMR };
  }

  /** Options for the second factor of the login an `mfaToken` waits for: that user's passkeys only; 400 for a token that is not live. */
  async secondFactorOptions(mfaToken: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const userId = await this.secondStep.pendingUser(mfaToken);
    if (!userId) throw new BadRequestException('Invalid or expired mfaToken');
    return this.authenticationOptions(userId);
  }

  /**
   * A passkey as the second factor after a password: an assertion of the waiting user's own passkey
   * (user presence suffices; the password was the knowledge factor) spends the `mfaToken`; anything
   * else counts against it. 401 alike for every failure.
   */
  async secondFactor(mfaToken: string, presented: unknown, request: Request): Promise<IdentifiedUser> {
    const userId = await this.secondStep.pendingUser(mfaToken);
    const passkey = userId
      ? await this.verifyAssertion(presented, { expectedUserId: userId, requireUserVerification: false })
      : null;
    const identified = passkey ? await this.secondStep.complete(mfaToken, 'passkey', request) : null;
    if (!identified) {
      if (userId && !passkey) await this.secondStep.refused(mfaToken, 'passkey', request);
      this.telemetry.login('passkey', 'failure');
      throw new UnauthorizedException(PASSKEY_SIGN_IN_FAILED);
    }
    return identified;
  }

  async list(userId: string): Promise<PasskeyView[]> {
    const rows = await this.rows.find({ where: { userId }, order: { createdAt: 'DESC' } });
    return rows.map(({ id, name, createdAt, lastUsedAt }) => ({ id, name, createdAt, lastUsedAt }));
  }

  /**
   * Removes one of the caller's passkeys: 404 for one that is not theirs, 409 when it is their last
   * way to sign in. Removing their last passkey takes away a factor, so it needs the current
   * password too (a user without one has no password to give: their other ways count instead).
   */
  async remove(
    principal: AuthPrincipal,
    id: string,
    currentPassword: string | undefined,
    request: Request,
  ): Promise<void> {
    const { id: userId, email } = principal.user;
    const row = await this.rows.findOne({ where: { id, userId }, select: { id: true } });
    if (!row) throw new NotFoundException('Passkey not found');
    await this.signInMethods.removeOne(userId, async () => {
      if ((await this.countOf(userId)) === 1 && (await this.users.passwordHashOf(userId))) {
        if (currentPassword === undefined)
          throw new BadRequestException('currentPassword is required to remove your last passkey');
        if (!(await this.passwordLogin.verifyCurrentPassword(userId, email, currentPassword, request, principal.via))) {
          throw new BadRequestException('Current password is incorrect');
        }
      }
      await this.audit.transaction(async (tx) => {
        const { affected } = await tx.manager.withRepository(this.rows).delete({ id, userId });
        if (affected !== 1) throw new NotFoundException('Passkey not found');
        tx.record({
          type: 'passkey.removed',
          userId,
          mechanism: principal.via,
          request,
          detail: { passkeyId: id },
        });
      });
    });
  }
}
