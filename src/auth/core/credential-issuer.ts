import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthPrincipal } from './auth-principal';
import type { IdentifiedUser } from './identified-user';

/**
 * The last step of every sign-in: what a mechanism gives the user a way of signing in has identified
 * (a session cookie, a token pair). Ways to sign in never name it: they end in login's funnel, which
 * picks the issuer a route asks for by name.
 */
export interface CredentialIssuer {
  /** The issuer's name: the same as its mechanism's (`session`, `jwt`), and what `@IssuingRoutes(name)` asks for. */
  readonly name: string;
  /** The response body of the sign-in; undone with 401 when a revocation of the user began meanwhile. */
  issue(identified: IdentifiedUser, request: Request, response: Response): Promise<object>;
  /** Before a sign-in that spans requests (a redirect to a provider and back): what it keeps of the client until then. */
  prepare?(request: Request, response: Response): Promise<void>;
  /**
   * After the caller's own credential changed (a new password): moves a credential of this kind to a
   * fresh one where it must, setting what the client needs on the response.
   */
  renew?(principal: AuthPrincipal, request: Request, response: Response): Promise<void>;
  /**
   * Ends the impersonation credential the request came with (one of `principal.actor`'s), giving the
   * admin back what they had where the credential can (a session); throws 401 when it cannot. The
   * end is recorded in the audit trail in the transaction that ends the credential.
   */
  endActing?(principal: AuthPrincipal, request: Request, response: Response): Promise<void>;
}

/** The issuers of one AuthModule instance; each issuing feature adds its own at start. Never process-global. */
@Injectable()
export class CredentialIssuers {
  private readonly byName = new Map<string, CredentialIssuer>();

  add(issuer: CredentialIssuer): void {
    if (this.byName.has(issuer.name)) throw new Error(`AuthModule: issuer "${issuer.name}" is registered twice`);
    this.byName.set(issuer.name, issuer);
  }

  get(name: string): CredentialIssuer | undefined {
    return this.byName.get(name);
  }
}
