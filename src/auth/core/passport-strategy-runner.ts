import type { Request } from 'express';
import { Authenticator } from 'passport';

type Attempt<T> = { user: T } | { failed: true };

interface StrategyActions<T> {
  success(user: T): void;
  fail(challenge?: unknown, status?: number): void;
  error(error: unknown): void;
  pass(): void;
  redirect(url: string): void;
  authenticate(request: Request, options: object): void;
}

/**
 * What a strategy's `getPassportInstance()` returns: an Authenticator of its own, so that
 * `PassportStrategy`'s constructor registers it there and never in Passport's process-global
 * registry, where two apps in one process would see each other's strategies.
 */
export function privatePassportInstance() {
  return new Authenticator();
}

const FAILED: Attempt<never> = { failed: true };

/**
 * Runs one Passport strategy instance on the request with the protocol of `passport.authenticate`
 * (a fresh object over the strategy with success/fail/error bound to it), without its per-request
 * set-up of `req.login`, sessions, flash messages and redirects, which this module never uses.
 * Answers synchronously when the strategy decides synchronously (a cached credential), so the guard
 * need not build a promise.
 */
export function runStrategy<T>(strategy: object, request: Request): T | null | Promise<T | null> {
  let settle: ((attempt: Attempt<T>) => void) | undefined;
  let raise: ((error: unknown) => void) | undefined;
  let outcome: Attempt<T> | undefined;
  let thrown: { error: unknown } | undefined;
  const decide = (attempt: Attempt<T>) => (settle ? settle(attempt) : (outcome ??= attempt));
  const run = Object.create(strategy) as StrategyActions<T>;
  run.success = (user) => decide(user ? { user } : FAILED);
  run.fail = () => decide(FAILED);
  run.pass = () => decide(FAILED);
  run.redirect = () => decide(FAILED);
  run.error = (error) => (raise ? raise(error) : (thrown ??= { error }));
  try {
    run.authenticate(request, { session: false });
  } catch (error) {
    thrown ??= { error };
  }
  if (thrown) return Promise.reject(thrown.error);
  if (outcome) return 'user' in outcome ? outcome.user : null;
  return new Promise<Attempt<T>>((resolve, reject) => {
    settle = resolve;
    raise = reject;
  }).then((attempt) => ('user' in attempt ? attempt.user : null));
}

/** How a strategy that may send the browser elsewhere (an OpenID provider) decided. */
export type StrategyOutcome<T> = { user: T } | { redirect: string } | { failed: true };

/**
 * Runs a strategy like `runStrategy`, for strategies that answer with a redirect (to start a login
 * elsewhere) as well as with a user or a failure; `options` are the strategy's authenticate options.
 */
export function runRedirectingStrategy<T>(
  strategy: object,
  request: Request,
  options: object = {},
): Promise<StrategyOutcome<T>> {
  return new Promise<StrategyOutcome<T>>((resolve, reject) => {
    let settled = false;
    const decide = (outcome: StrategyOutcome<T>) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const run = Object.create(strategy) as StrategyActions<T>;
    run.success = (user) => decide(user ? { user } : FAILED);
    run.fail = () => decide(FAILED);
    run.pass = () => decide(FAILED);
    run.redirect = (url) => decide({ redirect: url });
    run.error = (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    try {
      run.authenticate(request, { ...options, session: false });
    } catch (error) {
      run.error(error);
    }
  });
}
