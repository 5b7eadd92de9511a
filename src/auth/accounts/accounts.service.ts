import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Request } from 'express';
import { AuditEntry, AuditLog, AuditTransaction } from '../audit/audit-log.service';
import { AccountParts } from '../core/account-parts';
import { AuthMechanisms } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { RevocationBus } from '../core/revocation-bus';
import { SignInMethods } from '../core/sign-in-methods';
import { AuthUser, EmailTakenError, USER_STORE, UserPage, UserSearch, UserStore } from '../core/user-store';
import { UserRevocations } from '../core/user-revocations';
import { PasswordHasher } from '../login/password-hasher';
import { PasswordLogin } from '../login/password-login';
import { PasswordPolicy } from '../login/password-policy';
import { ACCOUNTS_OPTIONS, AccountsOptions } from './accounts.options';
import { normalizeEmail } from '../core/email-address';
import { toPublicUser } from '../core/public-user';

export interface Registration {
  email: string;
  password: string;
  name?: string | null;
  roles?: string[];
}

/** What other features hear of a user's lifecycle (the email feature sends its mails on these). */
export interface AccountEvents {
  /** Awaited before the registration answers: what a listener queues (the verification mail) is stored once it has. */
  registered: (user: AuthUser) => void | Promise<void>;
}

/** Who did it, for the audit trail: the request, and the admin when the subject is someone else. */
export interface Actor {
  request?: Request;
  principal?: AuthPrincipal;
}

/**
 * A user's lifecycle in one place, for the built-in routes and the host app alike: registering,
 * password changes, ending everything, disabling and enabling. Each change that revokes does it
 * whole: the user's state, then their revocation epoch and cut-off (announced to every instance),
 * then every credential each mechanism holds for them.
 */
@Injectable()
export class AccountsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AccountsService.name);
  private readonly listeners: { [Event in keyof AccountEvents]: Array<AccountEvents[Event]> } = { registered: [] };
  private readonly sweepers: Array<(userId: string) => Promise<void>> = [];

  constructor(
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly hasher: PasswordHasher,
    private readonly passwordLogin: PasswordLogin,
    private readonly revocations: UserRevocations,
    private readonly bus: RevocationBus,
    private readonly mechanisms: AuthMechanisms,
    private readonly audit: AuditLog,
    private readonly signInMethods: SignInMethods,
    private readonly passwordPolicy: PasswordPolicy,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
    private readonly parts: AccountParts,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.options.bootstrapAdmin;
    if (!admin || (await this.users.findByEmail(admin.email))) return;
    try {
      await this.register({ email: admin.email, password: admin.password, roles: ['admin'] });
      this.logger.log(`Created bootstrap admin ${admin.email}`);
    } catch (error) {
      // Another instance starting at the same moment created it first.
      if (!(error instanceof ConflictException)) throw error;
    }
  }

  /** Listens to a user's lifecycle; a listener that throws is logged, never fails the change. */
  on<Event extends keyof AccountEvents>(event: Event, listener: AccountEvents[Event]): void {
    this.listeners[event].push(listener);
  }

  /**
   * `sweep` runs, and is waited for, whenever the user's credentials end (a password change or reset,
   * logout-all, an email change, disabling): the email feature voids pending reset and change links there.
   */
  onCredentialsEnded(sweep: (userId: string) => Promise<void>): void {
    this.sweepers.push(sweep);
  }

  findUser(id: string): Promise<AuthUser | null> {
    return this.users.findById(id);
  }

  /** The emails of the users of these ids that still exist, by id; empty when the user store cannot answer in one query. */
  async emailsOf(ids: Iterable<string>): Promise<Map<string, string>> {
    const distinct = [...new Set(ids)];
    if (!distinct.length || !this.users.findByIds) return new Map();
    return new Map((await this.users.findByIds(distinct)).map((user) => [user.id, user.email]));
  }

  /**
   * What an admin sees of one user: the profile, then each listed feature's part (sessions, signed-in
   * apps, keys, passkeys, identities, second factors), metadata only. 404 for an unknown user.
   */
  async describeUser(userId: string): Promise<{ user: AuthUser; parts: Record<string, unknown> }> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('User not found');
    const parts: Record<string, unknown> = {};
    for (const part of this.parts.viewed()) parts[part.name] = await part.view(user.id);
    return { user, parts };
  }

  /**
   * Everything kept about the user, for their own copy: the profile, each listed feature's part
   * (metadata only, never a secret, a hash or a key) and the user's audit events.
   */
  /** Audited before it is read: a copy of an account handed out is a change in who holds its data. */
  async exportOf(userId: string, actor: Actor = {}): Promise<Record<string, unknown>> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('User not found');
    await this.audit.record(this.event('account.exported', user.id, actor));
    const parts: Record<string, unknown> = {};
    for (const part of this.parts.all()) {
      const read = part.export ?? part.view;
      if (read) parts[part.name] = await read.call(part, user.id);
    }
    const auditEvents = await this.audit.eventsOf(user.id);
    return { exportedAt: new Date(), profile: toPublicUser(user), ...parts, auditEvents };
  }

  /** Whether the user store deletes users (the built-in one does; a host's may not). */
  deletesUsers(): boolean {
    return !!this.users.delete;
  }

  /**
   * Deletes the account for good (the user's own request, or an admin's): 409 while a listed feature
   * refuses (the last owner of an organization), 404 unknown, 409 when the host's user store deletes
   * users itself. The user is disabled first, so no sign-in starts from here on and every instance
   * drops what it cached of them; then every credential ends on every instance, while each feature can
   * still find them; then, in one transaction, each feature removes its rows, the audit trail forgets
   * the address and the name, the user goes and `user.deleted` is written. The email is free at once.
   */
  async deleteAccount(userId: string, actor: Actor = {}): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('User not found');
    if (!this.users.delete) throw new ConflictException('Users are deleted by the host');
    for (const part of this.parts.all()) {
      const refusal = await part.refusesRemoval?.(user.id);
      if (refusal) throw new ConflictException(refusal);
    }
    await this.users.setDisabled(user.id, true);
    await this.bus.publish({ type: 'userStatus', id: user.id, disabled: true });
    await this.endEverything(user.id);
    await this.audit.settled();
    await this.audit.transaction((tx) => this.remove(user, actor, tx));
    await this.bus.publish({ type: 'userDeleted', id: user.id });
  }

  /**
   * The deletion's last step, in `tx`: each feature's rows of the user, the audit trail's memory of
   * their address and name, the user. For a user that holds no credential of their own anyone could
   * still present (an organization's service user, whose keys were revoked in `tx`), it is the whole deletion.
   */
  async remove(user: AuthUser, actor: Actor, tx: AuditTransaction): Promise<void> {
    const deleteUser = this.users.delete?.bind(this.users);
    if (!deleteUser) throw new ConflictException('Users are deleted by the host');
    for (const part of this.parts.all()) await part.remove?.(user.id, tx.manager);
    await this.audit.forget(user, tx.manager);
    if (!(await deleteUser(user.id, tx.manager))) throw new NotFoundException('User not found');
    tx.record(this.event('user.deleted', user.id, actor));
  }

  /**
   * An admin ends one item of a user's (a session, a signed-in app) on every instance within a second.
   * 404 for an unknown user, a kind of item no listed feature ends, or an item that is not the user's.
   */
  async endOne(userId: string, itemPath: string, itemId: string, actor: Actor = {}): Promise<void> {
    const part = this.parts.byItemPath(itemPath);
    const user = part ? await this.users.findById(userId) : null;
    const by = { actorId: actor.principal?.user.id, request: actor.request };
    if (!part?.end || !user || !(await part.end(user.id, itemId, by))) throw new NotFoundException('Not found');
  }

  /** By email (normalized: NFKC, lower-cased, trimmed), or by id when no user has that email. */
  async findUserByEmailOrId(emailOrId: string): Promise<AuthUser | null> {
    return (await this.users.findByEmail(normalizeEmail(emailOrId))) ?? this.users.findById(emailOrId);
  }

  /** An admin's search by email, a page at a time; 400 for a cursor the store did not make. */
  async searchUsers(search: UserSearch): Promise<UserPage> {
    const page = await this.users.searchUsers(search);
    if (!page) throw new BadRequestException('Invalid cursor');
    return page;
  }

  /** 400 when the new password is refused (too common, or breached), before a link is spent on it. */
  checkNewPassword(password: string): Promise<void> {
    return this.passwordPolicy.check(password);
  }

  /** 409 when the email is taken; 400 for a password that is too common. */
  async register(input: Registration, actor: Actor = {}): Promise<AuthUser> {
    await this.passwordPolicy.check(input.password);
    const passwordHash = await this.hasher.hash(input.password);
    const user = await this.users
      .create({ email: input.email, passwordHash, name: input.name ?? null, roles: input.roles ?? ['user'] })
      .catch((error: unknown) => {
        throw error instanceof EmailTakenError ? new ConflictException('Email already registered') : error;
      });
    await this.audit.record(this.event('user.registered', user.id, actor, 'password'));
    await this.emit('registered', user);
    return user;
  }

  /**
   * The signed-in user's own change: the current password is checked behind the account's back-off,
   * then every other session and every token family of the user ends.
   */
  async changePassword(
    principal: AuthPrincipal,
    currentPassword: string,
    newPassword: string,
    request?: Request,
  ): Promise<void> {
    const { id, email } = principal.user;
    if (
      !(await this.passwordLogin.verifyCurrentPassword(id, email, currentPassword, request as Request, principal.via))
    ) {
      throw new BadRequestException('Current password is incorrect');
    }
    await this.passwordPolicy.check(newPassword);
    const passwordHash = await this.hasher.hash(newPassword);
    await this.audit.transaction(async (tx) => {
      await this.users.setPasswordHash(id, passwordHash, tx.manager);
      tx.record(this.event('password.changed', id, { request, principal }));
    });
    await this.endEverything(id, principal);
  }

  /**
   * A new password without the old one (a reset by mail, an admin): every session, token family and
   * access token of the user ends, the caller's too.
   */
  async resetPassword(userId: string, newPassword: string, actor: Actor = {}): Promise<void> {
    await this.passwordPolicy.check(newPassword);
    const passwordHash = await this.hasher.hash(newPassword);
    await this.audit.transaction(async (tx) => {
      await this.users.setPasswordHash(userId, passwordHash, tx.manager);
      tx.record(this.event('password.reset', userId, actor, 'email'));
    });
    await this.endEverything(userId);
  }

  /**
   * A confirmed change of address: the user's email becomes `email`, verified, and every credential
   * ends (sessions and tokens hold the old address). Throws EmailTakenError when the address was taken meanwhile.
   * In `tx` when given (the caller writes its notice there too); credentials end once it has committed.
   */
  async changeEmail(userId: string, email: string, actor: Actor = {}, tx?: AuditTransaction): Promise<void> {
    const change = async (tx: AuditTransaction) => {
      await this.users.setEmail(userId, email, tx.manager);
      tx.record(this.event('email.changed', userId, actor, 'email'));
      tx.afterCommit(() => this.endEverything(userId));
    };
    await (tx ? change(tx) : this.audit.transaction(change));
  }

  /** Logout everywhere: every session, token family and access token of the user, including the caller's. */
  async logoutAll(principal: AuthPrincipal, request?: Request): Promise<void> {
    await this.endEverything(principal.user.id);
    await this.audit.record(this.event('logout_all', principal.user.id, { request, principal }));
  }

  /** An admin's "sign out everywhere" for someone else: every session, token family and access token ends. 404 for an unknown user. */
  async endAllCredentialsOf(userId: string, actor: Actor = {}): Promise<void> {
    if (!(await this.users.findById(userId))) throw new NotFoundException('User not found');
    await this.endEverything(userId);
    await this.audit.record(this.event('logout_all', userId, actor));
  }

  /** Every session, refresh family, access token and API key of the user stops working on every instance. 404 for an unknown user. */
  async disable(userId: string, actor: Actor = {}): Promise<void> {
    await this.audit.transaction(async (tx) => {
      if (!(await this.users.setDisabled(userId, true, tx.manager))) throw new NotFoundException('User not found');
      tx.record(this.event('user.disabled', userId, actor));
    });
    await this.bus.publish({ type: 'userStatus', id: userId, disabled: true });
    await this.endEverything(userId);
  }

  /** The user may log in again; API keys they did not revoke serve them again, old sessions and tokens do not. */
  async enable(userId: string, actor: Actor = {}): Promise<void> {
    await this.audit.transaction(async (tx) => {
      if (!(await this.users.setDisabled(userId, false, tx.manager))) throw new NotFoundException('User not found');
      tx.record(this.event('user.enabled', userId, actor));
    });
    await this.bus.publish({ type: 'userStatus', id: userId, disabled: false });
  }

  /**
   * An admin sets the user's roles, effective on every instance within a second: access tokens issued
   * before now are refused (a refresh reads the new roles), sessions take the new roles in place, and
   * cached API keys and certificates of the user are dropped. A login under way is undone by the moved
   * epoch, so it cannot hand out the old roles. 404 unknown user, 409 when the user store keeps roles itself.
   */
  async setRoles(userId: string, roles: string[], actor: Actor = {}): Promise<AuthUser> {
    const setRoles = this.users.setRoles?.bind(this.users);
    if (!setRoles) throw new ConflictException('Roles are managed by the host');
    const unique = [...new Set(roles)];
    const user = await this.audit.transaction(async (tx) => {
      const changed = await setRoles(userId, unique, tx.manager);
      if (!changed) throw new NotFoundException('User not found');
      tx.record({ ...this.event('user.roles_changed', changed.id, actor), detail: { roles: unique.join(' ') } });
      return changed;
    });
    const at = await this.revocations.revoke(user.id);
    await this.bus.publish({ type: 'user', id: user.id, at: at.getTime() });
    await this.bus.publish({ type: 'userRoles', id: user.id });
    for (const mechanism of this.mechanisms.all()) await mechanism.userChanged?.(user);
    return user;
  }

  /**
   * Ends every credential of the user but `keep`'s own (a password change keeps the caller's
   * session). Logins under way when it starts are undone by the moved epoch; access tokens issued
   * until now are refused by the cut-off on every instance.
   */
  async endEverything(userId: string, keep?: AuthPrincipal): Promise<void> {
    const at = await this.revocations.revoke(userId);
    await this.bus.publish({ type: 'user', id: userId, at: at.getTime() });
    for (const mechanism of this.mechanisms.all()) await mechanism.endUserCredentials?.(userId, keep);
    for (const sweep of this.sweepers) await sweep(userId);
  }

  /**
   * The first proof that the user receives mail at their address (its verification link, or a reset
   * by mail of an account never verified): every way in made before `before` ends but `keep`'s own,
   * as whoever registered the address first may not be its owner (Sudhodanan and Paverd,
   * "Pre-hijacked accounts", USENIX Security 2022): sessions, token families, API keys, passkeys,
   * linked identities and pending links.
   */
  async endFootholdsMadeBefore(
    userId: string,
    before: Date,
    actor: Actor & { keep?: AuthPrincipal } = {},
  ): Promise<void> {
    await this.endEverything(userId, actor.keep);
    for (const mechanism of this.mechanisms.all())
      await mechanism.endCredentialsMadeBefore?.(userId, before, actor.keep);
    const removed = await this.signInMethods.removeAllMadeBefore(userId, before);
    this.audit.record({
      type: 'account.first_proof_of_address',
      userId,
      mechanism: 'email',
      request: actor.request,
      detail: removed,
    });
  }

  private async emit<Event extends keyof AccountEvents>(event: Event, user: AuthUser): Promise<void> {
    for (const listener of this.listeners[event]) {
      try {
        await listener(user);
      } catch (error) {
        this.logger.error(`An account listener failed: ${String(error)}`);
      }
    }
  }

  private event(type: AuditEntry['type'], userId: string, actor: Actor, mechanism?: string): AuditEntry {
    const self = actor.principal?.user.id === userId;
    return {
      type,
      userId,
      actorId: actor.principal && !self ? actor.principal.user.id : null,
      mechanism: mechanism ?? actor.principal?.via,
      request: actor.request,
    };
  }
}
