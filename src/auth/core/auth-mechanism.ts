import { Inject, Injectable, Optional } from '@nestjs/common';
import type { SecuritySchemeObject } from '@nestjs/swagger';
import type { Request } from 'express';
import type { AuthPrincipal } from './auth-principal';
import type { AuthenticationProof } from './authentication-proof';
import type { AuthUser } from './user-store';

/**
 * The names a route may ask for in `@Auth(...)`. Empty here: each mechanism adds its own name by
 * declaration merging, so `core/` names none and a typo in `@Auth('sesion')` is a compile error.
 *
 * @example
 * declare module '../core/auth-mechanism' { interface AuthMechanismNames { hmac: true } }
 */
export interface AuthMechanismNames {}
export type AuthMechanismName = Extract<keyof AuthMechanismNames, string>;

/**
 * One way to authenticate a request (a session cookie, a bearer token, an API key, ...). The guard
 * knows mechanisms only through this contract and runs those a route names, in the route's order.
 */
export interface AuthMechanism {
  readonly name: AuthMechanismName;
  /** Whom its credential stands for: a person signed in (`user`) or another system (`service`); `@Auth({ caller })` routes by it. */
  readonly caller: AuthCaller;
  /** How routes that accept this mechanism are documented; the OpenAPI security scheme is registered under `name`. */
  readonly securityScheme: SecuritySchemeObject;
  /** `WWW-Authenticate` for a request whose credential of this kind was refused (RFC 9110 §11.6.1). */
  readonly challenge?: string;
  /** Whether the request carries a credential of this kind at all; a mechanism whose credential is absent is not run. */
  carriesCredential(request: Request): boolean;
  /** The principal, or null when the credential is refused. Synchronous whenever it can decide without I/O (the hot path). */
  authenticate(request: Request): AuthPrincipal | null | Promise<AuthPrincipal | null>;
  /** Runs after this mechanism admitted the request, before scopes and roles (CSRF, a per-key limit); throws to refuse. */
  afterAuthentication?(principal: AuthPrincipal, request: Request): void | Promise<void>;
  /** `WWW-Authenticate` for a caller of this kind refused for want of a fresh authentication (RFC 9470). */
  freshnessChallenge?(maxAgeSeconds: number): string;
  /**
   * Records a new proof of identity (a re-authentication) on the credential the request came with:
   * answers nothing when the credential keeps it in place (a session), or the new credential to hand
   * back when it cannot change (a token pair carries its proof).
   */
  reauthenticated?(principal: AuthPrincipal, request: Request, proof: AuthenticationProof): Promise<object | undefined>;
  /**
   * Ends every credential of this kind the user holds, but the one `keep` was authenticated with:
   * logout-all, a password change, disabling the user.
   */
  endUserCredentials?(userId: string, keep?: AuthPrincipal): Promise<void>;
  /**
   * Ends every credential of this kind that an admin made acting as a user (impersonation), when the
   * admin is disabled or signed out everywhere, each end recorded in the audit trail in the
   * transaction that ends it; answers the items this call ended as `{userId, id}`.
   */
  endActedBy?(actorId: string): Promise<Array<{ userId: string; id: string }>>;
  /**
   * The user's roles changed: credentials of this kind that keep a copy of them (a session's snapshot)
   * take the new ones, on every instance within a second. Those that carry them signed (access
   * tokens) need nothing here: the user's cut-off refuses them and a refresh reads the roles afresh.
   */
  userChanged?(user: AuthUser): Promise<void>;
  /**
   * Ends every credential of this kind that the user holds and that was made before `before`,
   * long-lived ones too (API keys, which `endUserCredentials` leaves), but the one `keep` was
   * authenticated with: the first proof of the account's address, which ends what a pre-hijacker set up.
   */
  endCredentialsMadeBefore?(userId: string, before: Date, keep?: AuthPrincipal): Promise<void>;
}

/** Whom a credential stands for: built-in routes ask for a kind of caller, never for a mechanism a host may leave out. */
export type AuthCaller = 'user' | 'service';

/** The order `@Auth()` tries the mechanisms in and documents them, as the module's composition gives it. */
export const MECHANISM_ORDER = Symbol('MECHANISM_ORDER');

/** The mechanisms of one AuthModule instance; each mechanism's module adds its own at start. Never process-global. */
@Injectable()
export class AuthMechanisms {
  private readonly byName = new Map<string, AuthMechanism>();

  // Modules are built in whatever order Nest resolves them: the order is stated, not left to that.
  constructor(@Optional() @Inject(MECHANISM_ORDER) private readonly order: readonly string[] = []) {}

  add(mechanism: AuthMechanism): void {
    if (this.byName.has(mechanism.name))
      throw new Error(`AuthModule: mechanism "${mechanism.name}" is registered twice`);
    this.byName.set(mechanism.name, mechanism);
  }

  get(name: string): AuthMechanism | undefined {
    return this.byName.get(name);
  }

  all(): AuthMechanism[] {
    const rank = (mechanism: AuthMechanism) => {
      const index = this.order.indexOf(mechanism.name);
      return index === -1 ? this.order.length : index;
    };
    return [...this.byName.values()].sort((a, b) => rank(a) - rank(b));
  }
}
