import { Reflector } from '@nestjs/core';
import type { AuthCaller, AuthMechanismName } from './auth-mechanism';

export interface AuthRequirement {
  /** The mechanisms a route accepts, in the order they are tried; `any`: every mechanism of the module (of `caller`'s kind when set). */
  mechanisms: AuthMechanismName[] | 'any';
  caller?: AuthCaller;
  scopes: string[];
  roles: string[];
  fresh: FreshnessRequirement | null;
  /** The route's options that features' authorizers read (`RouteAuthorizer`), by key. */
  extensions: Record<string, unknown>;
  /** The route changes how the user signs in (password, email, factors, keys): an admin acting as the user never passes. */
  changesSignIn?: boolean;
}

/** What a route of `fresh` asks of the caller's last proof of identity. */
export interface FreshnessRequirement {
  secondFactor: boolean;
}

export const AuthRequirementMetadata = Reflector.createDecorator<AuthRequirement>();
export const PublicMetadata = Reflector.createDecorator<true>();
