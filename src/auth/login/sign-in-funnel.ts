import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthPrincipal } from '../core/auth-principal';
import { CredentialIssuers } from '../core/credential-issuer';
import type { IdentifiedUser } from '../core/identified-user';
import { SecondStepChallenge, SecondStepSlot } from '../core/second-step';

/**
 * Where every way to sign in ends: the second step when the user has a second factor, then the
 * issuer the route asked for (a session, a token pair). Ways to sign in know issuers by name only.
 */
@Injectable()
export class SignInFunnel {
  constructor(
    private readonly issuers: CredentialIssuers,
    private readonly secondStep: SecondStepSlot,
  ) {}

  /** Before a sign-in that spans requests, for the issuer it will end in (a session keeps the browser's flow state). */
  async prepare(issuer: string, request: Request, response: Response): Promise<void> {
    await this.issuerNamed(issuer).prepare?.(request, response);
  }

  /** After a first factor: the second step's challenge, or the credential. */
  async begin(
    identified: IdentifiedUser,
    issuer: string,
    request: Request,
    response: Response,
  ): Promise<object | SecondStepChallenge> {
    this.issuerNamed(issuer);
    const challenge = await this.secondStep.current?.begin(identified, request);
    return challenge ?? this.finish(identified, issuer, request, response);
  }

  /** After the second step, or a way in that proves both factors at once (a passkey with user verification). */
  finish(identified: IdentifiedUser, issuer: string, request: Request, response: Response): Promise<object> {
    return this.issuerNamed(issuer).issue(identified, request, response);
  }

  /** After the caller's own credential changed: the issuer of that credential moves it where it must. */
  async renew(principal: AuthPrincipal, request: Request, response: Response): Promise<void> {
    await this.issuers.get(principal.via)?.renew?.(principal, request, response);
  }

  private issuerNamed(name: string) {
    const issuer = this.issuers.get(name);
    // Routes of an unlisted issuer are not mounted (IssuingRoute); this is for a host's own routes.
    if (!issuer) throw new NotFoundException('Not found');
    return issuer;
  }
}
