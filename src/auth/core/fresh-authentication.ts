import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthMechanism } from './auth-mechanism';
import type { AuthPrincipal } from './auth-principal';
import type { FreshnessRequirement } from './auth-metadata';
import { MULTIPLE_FACTORS } from './authentication-proof';
import { REAUTHENTICATION_OPTIONS, ResolvedReauthenticationOptions } from './reauthentication.options';
import { ReauthenticationMethods } from './reauthentication-methods';
import { ReauthenticationRequiredException } from './reauthentication-required.exception';

/** A proof dated this far ahead of the clock (another instance's clock) still counts; further is none. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * The freshness routes of `@Auth({ fresh })` ask for: the caller's last proof of identity
 * (`authTime`, `amr`, set on the principal by its mechanism) within `maxAgeSeconds`, and for
 * `secondFactor` routes, one that held two factors when the user has a second factor.
 */
@Injectable()
export class FreshAuthentication {
  readonly maxAgeSeconds: number;

  constructor(
    @Inject(REAUTHENTICATION_OPTIONS) options: ResolvedReauthenticationOptions,
    private readonly methods: ReauthenticationMethods,
  ) {
    this.maxAgeSeconds = options.maxAgeSeconds;
  }

  /** In whole seconds, as `auth_time` and `max_age` are (OpenID Connect Core §3.1.2.1). */
  isFresh(principal: AuthPrincipal, now = Date.now()): boolean {
    const age = Math.floor(now / 1000) - (principal.authTime ?? -Infinity);
    return age <= this.maxAgeSeconds && age >= -CLOCK_SKEW_SECONDS;
  }

  /** True at once for a fresh enough caller; else 401 `Reauthentication required`, with the mechanism's challenge. */
  check(
    principal: AuthPrincipal,
    requirement: FreshnessRequirement,
    mechanism: AuthMechanism,
    response: Response,
  ): true | Promise<true> {
    if (!this.isFresh(principal)) return this.refuse(principal, mechanism, response);
    if (!requirement.secondFactor || principal.amr?.includes(MULTIPLE_FACTORS)) return true;
    return this.methods
      .hasSecondFactor(principal.user.id)
      .then((has) => (has ? this.refuse(principal, mechanism, response) : true));
  }

  private async refuse(principal: AuthPrincipal, mechanism: AuthMechanism, response: Response): Promise<never> {
    const methods = await this.methods.of(principal.user.id);
    const challenge = mechanism.freshnessChallenge?.(this.maxAgeSeconds);
    if (challenge) response.setHeader('WWW-Authenticate', challenge);
    throw new ReauthenticationRequiredException(this.maxAgeSeconds, methods);
  }
}
