import type { Request } from 'express';
import { randomNonce, randomState } from 'openid-client';
import { AuthenticateOptions, Strategy } from 'openid-client/passport';

/** Which half of the browser flow a request is: the redirect to the provider, or its answer. */
export interface OidcPhase extends AuthenticateOptions {
  phase: 'start' | 'callback';
  /** `max_age` of the authorization request: 0 (with `prompt=login`) asks the provider to authenticate the user again. */
  maxAge?: number;
}

/**
 * openid-client's Passport strategy, with what RFC 9700 asks of every request: `state` and `nonce`
 * beside PKCE (the strategy adds them only when PKCE is unavailable), and the phase decided by the
 * route, never by what the query happens to hold (a callback without `code` must not start a new login).
 */
export class OidcLoginStrategy extends Strategy {
  authorizationRequestParams<TOptions extends AuthenticateOptions>(
    request: Request,
    options: TOptions,
  ): URLSearchParams {
    const params = new URLSearchParams(super.authorizationRequestParams(request, options));
    params.set('state', randomState());
    params.set('nonce', randomNonce());
    const maxAge = (options as Partial<OidcPhase>).maxAge;
    if (maxAge !== undefined) params.set('max_age', String(maxAge));
    return params;
  }

  shouldInitiateAuthRequest<TOptions extends AuthenticateOptions>(
    _request: Request,
    _currentUrl: URL,
    options: TOptions,
  ): boolean {
    return (options as Partial<OidcPhase>).phase === 'start';
  }
}
