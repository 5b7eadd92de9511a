import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthPrincipal } from './auth-principal';

/** One way a signed-in user can prove who they are again, as a feature offers it. */
export interface ReauthenticationMethod {
  /** The `methods` entry it stands for: `password`, `totp`, `recovery`, `passkey`, `oidc`. */
  readonly method: string;
  /** Whether it is the second factor a login asks for: a user who holds it must use it where a route asks for the second factor. */
  readonly secondFactor?: boolean;
  /** The RFC 8176 values a proof by it adds to `amr`. */
  readonly amr: string[];
  held(userId: string): Promise<boolean>;
  /**
   * Whether `answer` proves the caller's identity, counted toward the account's back-off the way its
   * sign-in counts (429 while it lasts). Absent for a method proved elsewhere (at an OpenID provider).
   */
  verify?(principal: AuthPrincipal, answer: unknown, request: Request): Promise<boolean>;
  /** What a client needs before it can answer (a passkey's request options), for the user. */
  options?(userId: string): Promise<object>;
}

/**
 * The ways to re-authenticate that the features of one AuthModule offer: each registers its own at
 * start. The guard names those a user holds in its "Reauthentication required" answer, and
 * `POST /auth/reauthenticate` checks answers with them, knowing none by name.
 */
@Injectable()
export class ReauthenticationMethods {
  private readonly known: ReauthenticationMethod[] = [];

  register(method: ReauthenticationMethod): void {
    if (this.known.some((other) => other.method === method.method)) {
      throw new Error(`Reauthentication method ${method.method} is registered twice`);
    }
    this.known.push(method);
  }

  get(method: string): ReauthenticationMethod | undefined {
    return this.known.find((known) => known.method === method);
  }

  /** The methods the user holds, in the order they were registered. */
  async of(userId: string): Promise<string[]> {
    const held = await Promise.all(this.known.map((method) => method.held(userId)));
    return this.known.filter((_, index) => held[index]).map((method) => method.method);
  }

  /** Whether the user holds a second factor, which then has to be part of a fresh proof where a route asks for it. */
  async hasSecondFactor(userId: string): Promise<boolean> {
    const factors = this.known.filter((method) => method.secondFactor);
    return (await Promise.all(factors.map((method) => method.held(userId)))).some(Boolean);
  }
}
