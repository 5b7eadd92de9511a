import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { SignInOutcomes } from '../audit/sign-in-outcomes';
import { AuthTelemetry } from '../core/auth-telemetry';
import { MULTIPLE_FACTORS } from '../core/authentication-proof';
import { IdentifiedUser } from '../core/identified-user';
import { SecondFactor, SecondStep, SecondStepChallenge } from '../core/second-step';
import { randomToken, sha256Hex } from '../core/secrets';
import { USER_STORE, UserStore } from '../core/user-store';
import { UserRevocations } from '../core/user-revocations';
import { LoginAttempts } from '../throttling/login-attempts.service';
import { MFA_TOKEN_STORE, MFA_TOKEN_TTL_SECONDS, MfaTokenStore } from './mfa-token-store';

/** RFC 8176 values of the second factors: codes are one-time passwords, a passkey a key the device holds. */
const SECOND_FACTOR_AMR: Record<string, string> = { totp: 'otp', recovery: 'otp', passkey: 'hwk' };

/** The first factor's RFC 8176 value, from the method a pending step keeps for the audit trail (`password`, `oidc:<provider>`). */
function firstFactorAmr(method: string): string[] {
  if (method === 'password') return ['pwd'];
  return method.startsWith('oidc:') ? ['fed'] : [];
}

/** 256 random bits as base64url; anything else is refused without a look-up. */
const MFA_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The second step of every login. A first factor hands over the user it identified; a user with a
 * registered second factor gets an `mfaToken` instead of a credential, and the credential is issued
 * for the same IdentifiedUser (the epoch of before the first factor) once a second factor answers.
 */
@Injectable()
export class MfaSecondStep extends SecondStep {
  private readonly factors: SecondFactor[] = [];

  constructor(
    @Inject(MFA_TOKEN_STORE) private readonly tokens: MfaTokenStore,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly revocations: UserRevocations,
    private readonly attempts: LoginAttempts,
    private readonly audit: AuditLog,
    private readonly telemetry: AuthTelemetry,
    private readonly signIns: SignInOutcomes,
  ) {
    super();
  }

  register(factor: SecondFactor): void {
    const taken = factor.methods.find((method) => this.factors.some((known) => known.methods.includes(method)));
    if (taken) throw new Error(`Second factor ${taken} is registered twice`);
    this.factors.push(factor);
  }

  /** The `methods` the user can answer with, in the order the factors were registered. */
  async methodsOf(userId: string): Promise<string[]> {
    const enrolled = await Promise.all(this.factors.map((factor) => factor.enrolled(userId)));
    const held = this.factors.filter((_, index) => enrolled[index]);
    return held.some((factor) => factor.turnsStepOn) ? held.flatMap((factor) => factor.methods) : [];
  }

  /** How many of the factor standing for `method` the user holds (0 when no feature offers it). */
  async countOf(method: string, userId: string): Promise<number> {
    const factor = this.factors.find((candidate) => candidate.methods.includes(method));
    if (!factor) return 0;
    return factor.count ? factor.count(userId) : (await factor.enrolled(userId)) ? 1 : 0;
  }

  async begin(identified: IdentifiedUser, request: Request): Promise<SecondStepChallenge | null> {
    const userId = identified.user.id;
    const methods = await this.methodsOf(userId);
    if (!methods.length) return null;
    const mfaToken = randomToken(32);
    await this.tokens.create(
      sha256Hex(mfaToken),
      { userId, epoch: identified.epoch, method: identified.method },
      MFA_TOKEN_TTL_SECONDS,
    );
    await this.audit.record({
      type: 'mfa.challenged',
      userId,
      mechanism: identified.method,
      request,
      detail: { methods: methods.join(',') },
    });
    return { mfaRequired: true, mfaToken, methods };
  }

  async pendingUser(mfaToken: string): Promise<string | null> {
    if (typeof mfaToken !== 'string' || !MFA_TOKEN.test(mfaToken)) return null;
    return (await this.tokens.peek(sha256Hex(mfaToken)))?.userId ?? null;
  }

  async complete(mfaToken: string, method: string, request: Request): Promise<IdentifiedUser | null> {
    if (typeof mfaToken !== 'string' || !MFA_TOKEN.test(mfaToken)) return null;
    const pending = await this.tokens.spend(sha256Hex(mfaToken));
    if (!pending) return null;
    const user = await this.users.findById(pending.userId);
    // A revocation (logout-all, disable, a new password) between the two steps ends the login too.
    if (!user || user.disabled || (await this.revocations.epochOf(pending.userId)) !== pending.epoch) {
      await this.signIns.overtaken(pending.userId, method, `${pending.method}+${method}`, request);
      return null;
    }
    await this.attempts.recordSecondFactorSuccess(user.id);
    await this.attempts.recordSuccess(user.email);
    const amr = [...firstFactorAmr(pending.method), SECOND_FACTOR_AMR[method] ?? method, MULTIPLE_FACTORS];
    const identified = { user, epoch: pending.epoch, method: `${pending.method}+${method}`, amr };
    await this.runCompletions(mfaToken, identified, request);
    return identified;
  }

  async refused(mfaToken: string, method: string, request: Request): Promise<void> {
    await this.countRefusal(mfaToken, method, request, false);
  }

  /**
   * For answers that can be guessed (codes): the user's second-factor back-off is checked and counted
   * before `check` runs (429 while it lasts), then the token is spent or charged. Null for an unknown,
   * spent, expired or dead token and for a wrong answer alike.
   */
  async answer(
    mfaToken: string,
    method: string,
    request: Request,
    check: (userId: string) => Promise<boolean>,
  ): Promise<IdentifiedUser | null> {
    const userId = await this.pendingUser(mfaToken);
    if (!userId) return null;
    await this.attempts.beginSecondFactor(userId);
    if (!(await check(userId))) {
      await this.countRefusal(mfaToken, method, request, true);
      return null;
    }
    return this.complete(mfaToken, method, request);
  }

  private async countRefusal(
    mfaToken: string,
    method: string,
    request: Request,
    secondFactorCounted: boolean,
  ): Promise<void> {
    if (typeof mfaToken !== 'string' || !MFA_TOKEN.test(mfaToken)) return;
    const tokenHash = sha256Hex(mfaToken);
    const pending = await this.tokens.peek(tokenHash);
    if (!pending) return;
    await this.tokens.fail(tokenHash);
    if (!secondFactorCounted) await this.attempts.beginSecondFactor(pending.userId).catch(() => undefined);
    const user = await this.users.findById(pending.userId);
    if (user) await this.attempts.recordFailure(user.email);
    await this.audit.record({ type: 'mfa.failed', userId: pending.userId, mechanism: method, request });
    this.telemetry.login(`${pending.method}+${method}`, 'failure');
  }
}
