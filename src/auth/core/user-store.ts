import type { EntityManager } from 'typeorm';

/** What the module needs to know of a user, whichever table holds them. */
export interface AuthUser {
  /** The user's id as a string (an integer id is given as its decimal digits); at most 64 characters. */
  id: string;
  /** As `normalizeEmail` gives it: NFKC, lower-cased, trimmed. */
  email: string;
  name: string | null;
  roles: string[];
  disabled: boolean;
  /** Whether the user has shown they receive mail at `email` (a verification link, or an email change confirmed). */
  emailVerified: boolean;
}

export interface NewAuthUser {
  email: string;
  /**
   * argon2id PHC string (or, for a user brought in from another system, any format `PasswordHasher`
   * verifies: bcrypt, scrypt, Django's PBKDF2, Firebase's scrypt, argon2i/d), or null for an account that
   * can never log in with a password (a service account).
   */
  passwordHash: string | null;
  name: string | null;
  roles: string[];
}

/** One page of an admin's user search. */
export interface UserSearch {
  /** Part of an email (matched as a case-insensitive substring, so a prefix matches too); every user when absent. */
  query?: string;
  /** At most this many users (the module asks for at most 100). */
  limit: number;
  /** The `nextCursor` of the page before, exactly as the store gave it. */
  cursor?: string;
}

/** A user as an admin's list shows them; a table without these timestamps answers null. */
export interface ListedUser extends AuthUser {
  disabledAt: Date | null;
  createdAt: Date | null;
}

export interface UserPage {
  items: ListedUser[];
  /** Opaque, made by the store; null on the last page. */
  nextCursor: string | null;
}

/** An email is registered already: `create` throws it, and the module answers 409. */
export class EmailTakenError extends Error {
  constructor() {
    super('Email already registered');
  }
}

/**
 * The users port: how the module reads and changes users. The default adapter keeps them in the
 * module's own `auth_users` table; a host app with a users table of its own passes an adapter of its
 * own (`AuthModule.forRoot({ users: { useClass } })`). Every method receives ids and emails exactly as
 * clients sent them: answer null for an id that cannot be one of yours (an integer table given `abc`)
 * rather than throw. Disable, enable and password changes go through `AccountsService`, which also
 * ends the user's credentials; calling `setDisabled` or `setPasswordHash` alone does not.
 */
export interface UserStore {
  findById(id: string): Promise<AuthUser | null>;
  /**
   * Optional: the users of these ids that exist, in one query (an admin's audit page names a few hundred).
   * Without it, the admin's audit list shows ids only.
   */
  findByIds?(ids: string[]): Promise<AuthUser[]>;
  findByEmail(email: string): Promise<AuthUser | null>;
  /** The user and their password hash, for a login; null when the email is not registered. */
  findForLogin(email: string): Promise<{ user: AuthUser; passwordHash: string | null } | null>;
  /** The password hash of the user, or null (unknown user, or no password). */
  passwordHashOf(id: string): Promise<string | null>;
  /** Throws EmailTakenError when the email is registered already. */
  create(user: NewAuthUser): Promise<AuthUser>;
  /**
   * The setters' `manager` is the transaction of the change, which also writes its audit event: a
   * store in the module's database writes through it so both commit together; a store elsewhere ignores it.
   */
  setPasswordHash(id: string, passwordHash: string, manager?: EntityManager): Promise<void>;
  /**
   * Optional: `next` in place of the hash only while it is still `expected`, in one statement; false when it
   * was not. The module rehashes other systems' hashes to argon2id at sign-in through it; without it, it
   * reads the hash again before `setPasswordHash`, which leaves a window of one round trip.
   */
  replacePasswordHash?(id: string, expected: string, next: string): Promise<boolean>;
  /** Null when there is no such user. */
  setDisabled(id: string, disabled: boolean, manager?: EntityManager): Promise<AuthUser | null>;
  setEmailVerified(id: string, verified: boolean, manager?: EntityManager): Promise<void>;
  /** A confirmed email change: the new address, verified. Throws EmailTakenError when it is registered already. */
  setEmail(id: string, email: string, manager?: EntityManager): Promise<void>;
  /**
   * Optional: the user's roles become `roles`; null when there is no such user. Without it, an admin's
   * `PATCH /auth/admin/users/:id {roles}` answers 409 (the host manages roles in its own table).
   */
  setRoles?(id: string, roles: string[], manager?: EntityManager): Promise<AuthUser | null>;
  /**
   * Optional: deletes the user for good, in `manager`'s transaction; false when there is no such user.
   * The module calls it once the user's credentials have ended and each feature has removed its rows;
   * the email is free to register again once it returns. Without it, `DELETE /auth/me` and the admin's
   * `DELETE /auth/admin/users/:id` answer 409 (the host deletes users in its own table).
   */
  delete?(id: string, manager?: EntityManager): Promise<boolean>;
  /**
   * Users in a stable order (newest first in the built-in table), one page at a time, paged by a cursor of
   * the store's own (keyset, so that users created meanwhile neither repeat nor skip). Null when `cursor`
   * is not one the store made.
   */
  searchUsers(search: UserSearch): Promise<UserPage | null>;
}

/** Injection token of the UserStore. */
export const USER_STORE = Symbol('USER_STORE');
