import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { AccountsService } from '../accounts/accounts.service';
import { AuditLog } from '../audit/audit-log.service';
import { AuthEvent } from '../audit/auth-event.entity';
import { AuthMechanisms } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { TooManyRequestsException } from '../core/too-many-requests.exception';
import { EntityManager } from 'typeorm';
import { AuthUser, EmailTakenError, USER_STORE, UserStore } from '../core/user-store';
import { PasswordLogin } from '../login/password-login';
import { AuthMountPoint } from '../core/mount-point';
import { EMAIL_OPTIONS, MailLink, ResolvedEmailOptions } from './email.options';
import { EmailTokens } from './email-tokens';
import { MailLimits } from './mail-limits';
import { MailQueue } from './mail-queue';
import { DEFAULT_MAIL_TEMPLATES, MailKind, MailParams, SIGN_IN_CHANGES, SignInChange } from './mail-templates';
import { OutgoingMail } from './mail-transport';

export const INVALID_TOKEN = 'Invalid or expired token';
const RESET_REQUEST = 'reset_request';
/** The allowance of `POST /auth/email` requests per account and hour (MailLimits' count, keyed by the user id). */
const EMAIL_CHANGE_REQUEST = 'email_change_request';

/**
 * Verification, password reset and email change: each sends a one-time link by mail and spends it
 * once. Mails are queued (MailQueue) and counted per address (MailLimits); nothing here waits for a
 * mail to be sent, and no answer depends on whether one was.
 */
@Injectable()
export class EmailFlows {
  private readonly logger = new Logger('AuthMail');

  constructor(
    @Inject(EMAIL_OPTIONS) private readonly options: ResolvedEmailOptions,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly accounts: AccountsService,
    private readonly passwordLogin: PasswordLogin,
    private readonly tokens: EmailTokens,
    private readonly limits: MailLimits,
    private readonly queue: MailQueue,
    private readonly audit: AuditLog,
    private readonly mechanisms: AuthMechanisms,
    private readonly mount: AuthMountPoint,
  ) {
    // Whoever the user recovers from may hold a reset link or a pending change of address: those end with the rest.
    accounts.onCredentialsEnded((userId) => this.tokens.voidAll(userId, ['reset', 'change']));
    queue.resolveWith(RESET_REQUEST, (payload) => this.resetMailFor((payload as { email: string }).email));
    accounts.on('registered', (user) =>
      this.sendVerification(user).catch((error: unknown) => this.warn('verification', error)),
    );
    // Notices are queued in the transaction of the change they tell of: a change that answered has its notice.
    audit.onStored(['password.changed', 'password.reset'], (event, manager) =>
      this.noticeTo(event, manager, 'password_changed'),
    );
    audit.onStored(SIGN_IN_CHANGES, (event, manager) => this.noticeTo(event, manager, 'sign_in_changed'));
    // Only the event on the user acted as asks for it (the admin's own event carries no `notify`).
    audit.onStored(['impersonation.started'], (event, manager) =>
      event.detail?.notify === true ? this.noticeTo(event, manager, 'impersonation_started') : Promise.resolve(),
    );
  }

  /** A verification link to the user's address (none when it is verified already). 429 past the hour's allowance. */
  async sendVerification(user: AuthUser, request?: Request): Promise<void> {
    if (user.emailVerified) return;
    await this.allow('verify_email', user.email);
    await this.audit.transaction(async ({ manager, record }) => {
      const token = await this.tokens.issue(
        'verify',
        user.id,
        user.email,
        this.options.verifyTtlSeconds,
        true,
        manager,
      );
      const link = this.link(this.options.verifyUrl, token);
      await this.queue.send(
        this.render('verify_email', user.email, { link, validForHours: hours(this.options.verifyTtlSeconds) }),
        manager,
      );
      record({ type: 'email.verification_sent', userId: user.id, mechanism: 'email', request });
    });
  }

  /** For the signed-in user asking for a new link. */
  async resendVerification(userId: string, request?: Request): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user || user.disabled) throw new UnauthorizedException('Unauthorized');
    await this.sendVerification(user, request);
  }

  /** Spends a verification or email-change link. 400 alike for every token that does not work. */
  async verify(token: unknown, request?: Request): Promise<void> {
    const at = new Date();
    const row = await this.tokens.consume(['verify', 'change'], token);
    if (!row) throw new BadRequestException(INVALID_TOKEN);
    const user = await this.users.findById(row.userId);
    if (!user || user.disabled) throw new BadRequestException(INVALID_TOKEN);
    if (row.kind === 'verify') {
      // The link proves the address it was sent to: not the account's any more, it proves nothing.
      if (user.email !== row.email) throw new BadRequestException(INVALID_TOKEN);
      if (user.emailVerified) return;
      await this.audit.transaction(async ({ manager, record }) => {
        await this.users.setEmailVerified(user.id, true, manager);
        record({ type: 'email.verified', userId: user.id, mechanism: 'email', request });
      });
      await this.firstProofOfAddress(user.id, at, request, await this.callerOf(request, user.id));
      return;
    }
    try {
      await this.audit.transaction(async (tx) => {
        await this.accounts.changeEmail(user.id, row.email, { request }, tx);
        await this.notify('email_changed', user.email, { newEmail: row.email }, tx.manager);
      });
    } catch (error) {
      if (error instanceof EmailTakenError) throw new BadRequestException(INVALID_TOKEN);
      throw error;
    }
  }

  /**
   * Queues the request and nothing else, so the answer and its time are the same whether or not
   * the address is registered; the look-up, the token and the mail happen off the request.
   */
  async requestPasswordReset(email: string): Promise<void> {
    await this.queue.defer(RESET_REQUEST, { email });
  }

  /** Spends a reset link: a new password, and every credential of the user ends. 400 alike for every token that does not work. */
  async resetPassword(token: unknown, newPassword: string, request?: Request): Promise<void> {
    // Before the token is spent: a refused password leaves the link usable for another try.
    await this.accounts.checkNewPassword(newPassword);
    const at = new Date();
    const row = await this.tokens.consume(['reset'], token);
    if (!row) throw new BadRequestException(INVALID_TOKEN);
    const user = await this.users.findById(row.userId);
    // The link proves the address it was sent to: once the account has another, it proves nothing.
    if (!user || user.disabled || user.email !== row.email) throw new BadRequestException(INVALID_TOKEN);
    // A reset voids every other reset link and any pending email change: whoever had them may be who the user recovers from.
    await this.tokens.voidAll(user.id, ['reset', 'change']);
    await this.accounts.resetPassword(user.id, newPassword, { request });
    if (!user.emailVerified) {
      await this.users.setEmailVerified(user.id, true);
      this.audit.record({ type: 'email.verified', userId: user.id, mechanism: 'email', request });
      await this.firstProofOfAddress(user.id, at, request);
    }
  }

  /** The signed-in user asks to move their account to `newEmail`: a link to the new address, a notice to the old one. */
  async requestEmailChange(
    principal: AuthPrincipal,
    newEmail: string,
    currentPassword: string,
    request: Request,
  ): Promise<void> {
    const { id, email } = principal.user;
    // Counted before the password check and the look-up: each costs an Argon2 hash, and its 409 tells whether an address is registered.
    await this.allow(EMAIL_CHANGE_REQUEST, `user:${id}`);
    if (!(await this.passwordLogin.verifyCurrentPassword(id, email, currentPassword, request, principal.via))) {
      throw new BadRequestException('Current password is incorrect');
    }
    if (newEmail === email || (await this.users.findByEmail(newEmail)))
      throw new ConflictException('Email already registered');
    await this.allow('confirm_email_change', newEmail);
    await this.audit.transaction(async ({ manager, record }) => {
      const token = await this.tokens.issue('change', id, newEmail, this.options.verifyTtlSeconds, true, manager);
      const link = this.link(this.options.verifyUrl, token);
      const validForHours = hours(this.options.verifyTtlSeconds);
      await this.queue.send(this.render('confirm_email_change', newEmail, { link, validForHours }), manager);
      await this.notify('email_change_requested', email, { newEmail }, manager);
      record({ type: 'email.change_requested', userId: id, mechanism: principal.via, request });
    });
  }

  /** The address is proven for the first time: every way in made before `at` ends, but the caller's own, and every link still pending. */
  private async firstProofOfAddress(userId: string, at: Date, request?: Request, keep?: AuthPrincipal): Promise<void> {
    await this.accounts.endFootholdsMadeBefore(userId, at, { request, keep });
    await this.tokens.voidAll(userId, ['verify', 'reset', 'change']);
  }

  /** The user's own credential on a request to a public route (a verification link opened where they are signed in), if any. */
  private async callerOf(request: Request | undefined, userId: string): Promise<AuthPrincipal | undefined> {
    if (!request) return undefined;
    for (const mechanism of this.mechanisms.all()) {
      if (!mechanism.carriesCredential(request)) continue;
      const principal = await (async () => mechanism.authenticate(request))().catch(() => null);
      if (principal) return principal.user.id === userId ? principal : undefined;
    }
    return undefined;
  }

  /** Resolves a queued reset request: a mail for a registered, enabled address within its allowance; nothing otherwise. */
  private async resetMailFor(email: string): Promise<OutgoingMail | null> {
    const user = await this.users.findByEmail(email);
    if (!user || user.disabled) return null;
    // A user without a password (signed up with an OpenID provider) has none to reset: a reset would add one, a new way in.
    if (!(await this.users.passwordHashOf(user.id))) return null;
    if (!(await this.limits.take('password_reset', user.email)).allowed) return null;
    const token = await this.tokens.issue('reset', user.id, user.email, this.options.resetTtlSeconds, true);
    await this.audit.record({ type: 'password.reset_requested', userId: user.id, mechanism: 'email' });
    return this.render('password_reset', user.email, {
      link: this.link(this.options.resetUrl, token),
      validForHours: hours(this.options.resetTtlSeconds),
    });
  }

  /** A notice to the user that their password changed, or a way to sign in was added or taken away. */
  private async noticeTo(
    event: AuthEvent,
    manager: EntityManager,
    kind: 'password_changed' | 'sign_in_changed' | 'impersonation_started',
  ): Promise<void> {
    const user = event.userId ? await this.users.findById(event.userId) : null;
    if (!user) return;
    const provider = typeof event.detail?.provider === 'string' ? event.detail.provider : undefined;
    const params =
      kind === 'sign_in_changed'
        ? { change: event.type as SignInChange, provider }
        : kind === 'impersonation_started'
          ? {
              minutes: typeof event.detail?.minutes === 'number' ? event.detail.minutes : undefined,
              reason: typeof event.detail?.reason === 'string' ? event.detail.reason : undefined,
            }
          : {};
    await this.notify(kind, user.email, params, manager);
  }

  private async notify(
    kind: MailKind,
    to: string,
    params: Partial<MailParams>,
    manager?: EntityManager,
  ): Promise<void> {
    await this.queue.send(this.render(kind, to, params), manager);
  }

  private async allow(kind: MailKind | typeof EMAIL_CHANGE_REQUEST, address: string): Promise<void> {
    const allowance = await this.limits.take(kind, address);
    if (!allowance.allowed) throw new TooManyRequestsException(allowance.retryAfterSeconds);
  }

  private render(kind: MailKind, to: string, params: Partial<MailParams>): OutgoingMail {
    const template = this.options.templates[kind] ?? DEFAULT_MAIL_TEMPLATES[kind];
    const accountUrl = this.options.accountUrl ? this.url(this.options.accountUrl) : undefined;
    return { kind, to, ...template({ appName: this.options.appName, email: to, accountUrl, ...params }) };
  }

  private link(link: MailLink, token: string): string {
    return this.url(link).replace('{token}', encodeURIComponent(token));
  }

  private url(link: MailLink): string {
    if ('url' in link) return link.url;
    const path = 'api' in link.route ? this.mount.api(link.route.api) : this.mount.path(link.route.page);
    return `${link.publicUrl}${path}${link.query}`;
  }

  private warn(what: string, error: unknown): void {
    this.logger.warn(`Could not queue a ${what} mail: ${String(error)}`);
  }
}

const hours = (seconds: number) => Math.max(1, Math.round(seconds / 3600));
