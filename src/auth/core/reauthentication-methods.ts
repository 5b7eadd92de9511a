import { Injectable } from '@nestjs/common';

/** One way a signed-in user can prove who they are again, as a feature offers it. */
export interface ReauthenticationMethod {
  /** The `methods` entry it stands for: `password`, `totp`, `recovery`, `passkey`, `oidc`. */
  readonly method: string;
  /** Whether it is the second factor a login asks for: a user who holds it must use it where a route asks for the second factor. */
  readonly secondFactor?: boolean;
  held(userId: string): Promise<boolean>;
}

/**
 * The ways to re-authenticate that the features of one AuthModule offer: each registers its own at
 * start, and the guard names them in its "Reauthentication required" answer without knowing any.
 */
@Injectable()
export class ReauthenticationMethods {
  private readonly known: ReauthenticationMethod[] = [];

  register(method: ReauthenticationMethod): void {
    if (this.known.some((other) => other.method === method.method)) throw new Error(`Reauthentication method ${method.method} is registered twice`);
    this.known.push(method);
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
