import { AccountParts } from '../core/account-parts';
import { BadRequestException, ConflictException, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { EntityManager, IsNull, LessThan, Repository } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { ReauthenticationMethods } from '../core/reauthentication-methods';
import { PasswordLogin } from '../login/password-login';
import { LoginAttempts } from '../throttling/login-attempts.service';
import { MfaCipher } from './mfa-cipher';
import { MFA_OPTIONS, ResolvedMfaOptions } from './mfa.options';
import { MfaChallenge } from './mfa-challenge.entity';
import { MfaRecoveryCode } from './mfa-recovery-code.entity';
import { MfaSecondStep } from './mfa-second-step';
import { MfaTotp } from './mfa-totp.entity';
import { newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes';
import { matchTotp, newTotpSecret, otpauthUrl } from './totp';

export interface TotpEnrolment {
  secret: string;
  otpauthUrl: string;
}

const WRONG_PASSWORD = 'Current password is incorrect';
const INVALID_CODE = 'Invalid code';
const TOTP_OFF = 'TOTP is not on';

/**
 * TOTP (RFC 6238) and recovery codes: enrolment behind the current password, a pending secret until a
 * first code confirms it, each code accepted once, secrets sealed at rest and recovery codes kept only
 * as keyed hashes. Registers `totp` and `recovery` as second factors.
 */
@Injectable()
export class OneTimeCodes implements OnModuleInit {
  private readonly logger = new Logger(OneTimeCodes.name);
  private readonly cipher: MfaCipher;

  constructor(
    @InjectRepository(MfaTotp) private readonly totps: Repository<MfaTotp>,
    @InjectRepository(MfaRecoveryCode) private readonly recoveryCodes: Repository<MfaRecoveryCode>,
    @Inject(MFA_OPTIONS) private readonly options: ResolvedMfaOptions,
    private readonly secondStep: MfaSecondStep,
    private readonly passwordLogin: PasswordLogin,
    private readonly attempts: LoginAttempts,
    private readonly audit: AuditLog,
    private readonly reauthentication: ReauthenticationMethods,
    parts: AccountParts,
  ) {
    this.cipher = new MfaCipher(options.keys);
    // Whether a second factor is on and how many codes are left; never the secret or a code.
    parts.add({
      name: 'mfa',
      view: async (userId) => ({
        totp: await this.totpOn(userId),
        recoveryCodesLeft: await this.recoveryCodesLeft(userId),
      }),
      remove: async (userId, manager) => {
        await manager.delete(MfaRecoveryCode, { userId });
        await manager.delete(MfaTotp, { userId });
        // Sign-ins halfway through their second step, where they are kept in SQL (embedded mode).
        await manager.delete(MfaChallenge, { userId });
      },
    });
  }

  onModuleInit(): void {
    this.secondStep.register({ methods: ['totp'], turnsStepOn: true, enrolled: (userId) => this.totpOn(userId) });
    // Only beside TOTP: turning TOTP off voids the codes, so they never stand as a factor of their own.
    this.secondStep.register({
      methods: ['recovery'],
      turnsStepOn: false,
      enrolled: async (userId) => (await this.totpOn(userId)) && (await this.recoveryCodesLeft(userId)) > 0,
    });
    this.reauthentication.register({
      method: 'totp',
      secondFactor: true,
      amr: ['otp'],
      held: (userId) => this.totpOn(userId),
      verify: (principal, answer, request) =>
        this.verifySecondFactor(principal, answer, request, (code) => this.useTotp(principal.user.id, code)),
    });
    this.reauthentication.register({
      method: 'recovery',
      amr: ['otp'],
      held: async (userId) => (await this.totpOn(userId)) && (await this.recoveryCodesLeft(userId)) > 0,
      verify: (principal, answer, request) =>
        this.verifySecondFactor(principal, answer, request, (code) =>
          this.useRecoveryCode(principal.user.id, code, request, principal.via),
        ),
    });
  }

  /** A code in a re-authentication, behind the user's second-factor back-off, as in the second step of a login. */
  private async verifySecondFactor(
    principal: AuthPrincipal,
    answer: unknown,
    request: Request,
    use: (code: string) => Promise<boolean>,
  ): Promise<boolean> {
    const userId = principal.user.id;
    await this.attempts.beginSecondFactor(userId);
    if (typeof answer !== 'string' || !(await use(answer))) {
      this.audit.record({
        type: 'mfa.failed',
        userId,
        mechanism: principal.via,
        request,
        detail: { reason: 'reauthentication' },
      });
      return false;
    }
    await this.attempts.recordSecondFactorSuccess(userId);
    return true;
  }

  async totpOn(userId: string): Promise<boolean> {
    const row = await this.totps.findOne({ where: { userId }, select: { userId: true, confirmedAt: true } });
    return !!row?.confirmedAt;
  }

  recoveryCodesLeft(userId: string): Promise<number> {
    return this.recoveryCodes.count({ where: { userId, usedAt: IsNull() } });
  }

  /** A new secret, pending until `confirm`; replaces a pending one. 409 while TOTP is on. */
  async startEnrolment(principal: AuthPrincipal, currentPassword: string, request: Request): Promise<TotpEnrolment> {
    const { id, email } = principal.user;
    await this.requirePassword(principal, currentPassword, request);
    if (await this.totpOn(id)) throw new ConflictException('TOTP is already on');
    const secret = newTotpSecret();
    await this.totps.delete({ userId: id });
    await this.totps.insert({
      userId: id,
      sealedSecret: this.cipher.seal(secret, id),
      confirmedAt: null,
      lastUsedStep: null,
      createdAt: new Date(),
    });
    return { secret, otpauthUrl: otpauthUrl(secret, this.options.issuer, email) };
  }

  /** The first code of the pending secret turns TOTP on and brings the first set of recovery codes. */
  async confirm(principal: AuthPrincipal, code: string, request: Request): Promise<string[]> {
    const userId = principal.user.id;
    const row = await this.totps.findOne({
      where: { userId },
      select: { userId: true, sealedSecret: true, confirmedAt: true, lastUsedStep: true },
    });
    if (!row || row.confirmedAt) throw new BadRequestException('No TOTP enrolment is pending');
    const step = matchTotp(this.openSecret(row), code, row.lastUsedStep);
    if (step === null) throw new BadRequestException(INVALID_CODE);
    // TOTP on, the first recovery codes, the event and its notice: all of them or none.
    return this.audit.transaction(async (tx) => {
      const { affected } = await tx.manager
        .withRepository(this.totps)
        .update({ userId, confirmedAt: IsNull() }, { confirmedAt: new Date(), lastUsedStep: step });
      if (affected !== 1) throw new BadRequestException('No TOTP enrolment is pending');
      const codes = await this.replaceRecoveryCodes(userId, tx.manager);
      tx.record({ type: 'mfa.totp_enabled', userId, mechanism: principal.via, request });
      return codes;
    });
  }

  /** MFA off: needs the current password and a code (a TOTP code, or a recovery code for a lost device); the recovery codes go too. */
  async disable(principal: AuthPrincipal, currentPassword: string, code: string, request: Request): Promise<void> {
    const userId = principal.user.id;
    await this.requirePassword(principal, currentPassword, request);
    if (!(await this.totpOn(userId))) throw new BadRequestException(TOTP_OFF);
    await this.attempts.beginSecondFactor(userId);
    const valid = /^\d{6}$/.test(code)
      ? await this.useTotp(userId, code)
      : await this.useRecoveryCode(userId, code, request, principal.via);
    if (!valid) {
      await this.audit.record({
        type: 'mfa.failed',
        userId,
        mechanism: principal.via,
        request,
        detail: { reason: 'disable' },
      });
      throw new BadRequestException(INVALID_CODE);
    }
    await this.attempts.recordSecondFactorSuccess(userId);
    await this.audit.transaction(async (tx) => {
      await tx.manager.withRepository(this.totps).delete({ userId });
      await tx.manager.withRepository(this.recoveryCodes).delete({ userId });
      tx.record({ type: 'mfa.totp_disabled', userId, mechanism: principal.via, request });
    });
  }

  /** A new set of recovery codes; the old set is void. */
  async regenerateRecoveryCodes(
    principal: AuthPrincipal,
    currentPassword: string,
    request: Request,
  ): Promise<string[]> {
    const userId = principal.user.id;
    await this.requirePassword(principal, currentPassword, request);
    if (!(await this.totpOn(userId))) throw new BadRequestException(TOTP_OFF);
    return this.audit.transaction(async (tx) => {
      const codes = await this.replaceRecoveryCodes(userId, tx.manager);
      tx.record({ type: 'mfa.recovery_codes_generated', userId, mechanism: principal.via, request });
      return codes;
    });
  }

  /** True once for a code of the confirmed secret within one step of now, newer than the last one accepted. */
  async useTotp(userId: string, code: string): Promise<boolean> {
    const row = await this.totps.findOne({
      where: { userId },
      select: { userId: true, sealedSecret: true, confirmedAt: true, lastUsedStep: true },
    });
    if (!row?.confirmedAt) return false;
    let secret: string;
    try {
      secret = this.openSecret(row);
    } catch {
      this.logger.error(`The TOTP secret of user ${userId} is sealed under a key mfa.encryptionKeys no longer lists`);
      return false;
    }
    const step = matchTotp(secret, code, row.lastUsedStep);
    if (step === null) return false;
    // The conditional UPDATE is the lock: of concurrent requests with one code, exactly one moves the step.
    const where =
      row.lastUsedStep === null ? { userId, lastUsedStep: IsNull() } : { userId, lastUsedStep: LessThan(step) };
    const { affected } = await this.totps.update(where, { lastUsedStep: step });
    if (affected !== 1) return false;
    if (this.cipher.isStale(row.sealedSecret))
      await this.totps.update({ userId }, { sealedSecret: this.cipher.seal(secret, userId) });
    return true;
  }

  /** True once per recovery code of the user; using one is audited. */
  async useRecoveryCode(userId: string, typed: string, request: Request, mechanism: string): Promise<boolean> {
    const code = normalizeRecoveryCode(typed);
    if (!code) return false;
    const rows = await this.recoveryCodes.find({
      where: { userId, usedAt: IsNull() },
      select: { id: true, keyId: true, codeHash: true },
    });
    const match = rows.find((row) => {
      const hash = this.cipher.hashCode(code, userId, row.keyId);
      return hash !== null && timingSafeEqual(Buffer.from(hash, 'hex'), Buffer.from(row.codeHash, 'hex'));
    });
    if (!match) return false;
    return this.audit.transaction(async (tx) => {
      const { affected } = await tx.manager
        .withRepository(this.recoveryCodes)
        .update({ id: match.id, usedAt: IsNull() }, { usedAt: new Date() });
      if (affected !== 1) return false;
      tx.record({
        type: 'mfa.recovery_code_used',
        userId,
        mechanism,
        request,
        detail: { recoveryCodesLeft: rows.length - 1 },
      });
      return true;
    });
  }

  private async requirePassword(principal: AuthPrincipal, currentPassword: string, request: Request): Promise<void> {
    const { id, email } = principal.user;
    if (!(await this.passwordLogin.verifyCurrentPassword(id, email, currentPassword, request, principal.via))) {
      throw new BadRequestException(WRONG_PASSWORD);
    }
  }

  private openSecret(row: MfaTotp): string {
    return this.cipher.open(row.sealedSecret, row.userId);
  }

  /** In the caller's transaction: the old set goes with the change that replaces it. */
  private async replaceRecoveryCodes(userId: string, manager: EntityManager): Promise<string[]> {
    const codes = newRecoveryCodes();
    const keyId = this.cipher.currentKeyId;
    const createdAt = new Date();
    const rows = manager.withRepository(this.recoveryCodes);
    await rows.delete({ userId });
    await rows.insert(
      codes.map((shown) => ({
        id: randomUUID(),
        userId,
        keyId,
        codeHash: this.cipher.hashCode(normalizeRecoveryCode(shown)!, userId, keyId)!,
        usedAt: null,
        createdAt,
      })),
    );
    return codes;
  }
}
