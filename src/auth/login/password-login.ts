import { ForbiddenException, Inject, Injectable, Logger, OnModuleInit, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthTelemetry } from '../core/auth-telemetry';
import { IdentifiedUser } from '../core/identified-user';
import { ReauthenticationMethods } from '../core/reauthentication-methods';
import { SignInMethods } from '../core/sign-in-methods';
import { USER_STORE, UserStore } from '../core/user-store';
import { UserRevocations } from '../core/user-revocations';
import { LoginAttempts } from '../throttling/login-attempts.service';
import { TooManyRequestsException } from '../core/too-many-requests.exception';
import { SIGN_IN_POLICY, SignInPolicy } from '../core/sign-in-policy';
import { PasswordHasher } from './password-hasher';

export const INVALID_CREDENTIALS = 'Invalid email or password';

/**
 * Email and password to a user, behind the per-account back-off, with every failure audited. Routes
 * that call it carry `@RateLimitedAuthRoute()` (the per-IP limit); what they issue for the user is
 * up to them (a session, a token pair), through the mechanism's own `issue` call.
 */
@Injectable()
export class PasswordLogin implements OnModuleInit {
  private readonly logger = new Logger('AuthPasswords');

  constructor(
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly hasher: PasswordHasher,
    private readonly attempts: LoginAttempts,
    private readonly revocations: UserRevocations,
    private readonly audit: AuditLog,
    @Inject(SIGN_IN_POLICY) private readonly policy: SignInPolicy,
    private readonly telemetry: AuthTelemetry,
    private readonly signInMethods: SignInMethods,
    private readonly reauthentication: ReauthenticationMethods,
  ) {}

  onModuleInit(): void {
    // Users created by another way of signing in (an OpenID provider) have no password.
    this.signInMethods.register({
      name: 'password',
      count: async (userId) => ((await this.users.passwordHashOf(userId)) ? 1 : 0),
    });
    this.reauthentication.register({
      method: 'password',
      amr: ['pwd'],
      held: async (userId) => !!(await this.users.passwordHashOf(userId)),
      verify: (principal, answer, request) =>
        typeof answer === 'string'
          ? this.verifyCurrentPassword(principal.user.id, principal.user.email, answer, request, principal.via)
          : Promise.resolve(false),
    });
  }

  /** The user, or 401 alike for an unknown email, a wrong password and a disabled account; 429 during back-off. */
  async identify(email: string, password: string, request: Request, mechanism: string): Promise<IdentifiedUser> {
    await this.beginAttempt(email, request, mechanism);
    const candidate = await this.users.findForLogin(email);
    const epoch = candidate ? await this.revocations.epochOf(candidate.user.id) : 0;
    // Read again once the epoch is known: a change stored before the epoch moved (a new password, the
    // disabled flag) is seen here, and one stored after it moved undoes the login (IdentifiedUser).
    const known = candidate && (await this.users.findForLogin(email));
    const valid = await this.hasher.verify(known?.passwordHash, password);
    if (!known || known.user.id !== candidate?.user.id || !valid || known.user.disabled) {
      await this.audit.record({
        type: 'login.failed',
        userId: known?.user.id ?? null,
        mechanism,
        request,
        detail: { email: auditableEmail(email) },
      });
      this.telemetry.login('password', 'failure');
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await this.attempts.recordSuccess(email);
    if (known.passwordHash && this.hasher.needsRehash(known.passwordHash))
      await this.rehash(known.user.id, known.passwordHash, password);
    if (this.policy.requireVerifiedEmail && !known.user.emailVerified) {
      await this.audit.record({
        type: 'login.failed',
        userId: known.user.id,
        mechanism,
        request,
        detail: { reason: 'email_not_verified' },
      });
      this.telemetry.login('password', 'unverified');
      throw new ForbiddenException('Email not verified');
    }
    return { user: known.user, epoch, method: 'password', amr: ['pwd'] };
  }

  /**
   * A signed-in user's current password, before a change that needs it (a new password, a second
   * factor): counted toward the same per-account back-off as logins, so it cannot be guessed either.
   */
  async verifyCurrentPassword(
    userId: string,
    email: string,
    password: string,
    request: Request,
    mechanism: string,
  ): Promise<boolean> {
    await this.beginAttempt(email, request, mechanism);
    const valid = await this.hasher.verify(await this.users.passwordHashOf(userId), password);
    if (valid) await this.attempts.recordSuccess(email);
    else await this.audit.record({ type: 'password.check_failed', userId, mechanism, request });
    return valid;
  }

  /**
   * An imported hash (bcrypt, scrypt, …) becomes argon2id once its password is known. Written only over
   * the hash that verified, so that a password changed meanwhile is never put back.
   */
  private async rehash(userId: string, verifiedHash: string, password: string): Promise<void> {
    try {
      const next = await this.hasher.hash(password);
      if (this.users.replacePasswordHash) await this.users.replacePasswordHash(userId, verifiedHash, next);
      else if ((await this.users.passwordHashOf(userId)) === verifiedHash)
        await this.users.setPasswordHash(userId, next);
    } catch (error) {
      // The sign-in stands; the next one tries again.
      this.logger.warn(`Could not rehash the password of user ${userId}: ${String(error)}`);
    }
  }

  private async beginAttempt(email: string, request: Request, mechanism: string): Promise<void> {
    try {
      await this.attempts.begin(email);
    } catch (error) {
      if (error instanceof TooManyRequestsException) {
        await this.audit.record({ type: 'lockout', mechanism, request, detail: { email: auditableEmail(email) } });
        this.telemetry.lockout();
        this.telemetry.login('password', 'locked');
      }
      throw error;
    }
  }
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/;

/** What the audit log keeps of a typed email: the address, or a marker when it is not one (a password pasted into the field). */
export function auditableEmail(email: string): string {
  return email.length <= 254 && EMAIL.test(email) ? email : '(not an email address)';
}
