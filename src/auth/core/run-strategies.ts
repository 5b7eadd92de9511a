import passport from 'passport';
import type { Request } from 'express';

type Attempt<T> = { user: T } | { failed: true };

interface StrategyActions<T> {
  success(user: T): void;
  fail(challenge?: unknown, status?: number): void;
  error(error: unknown): void;
  pass(): void;
  redirect(url: string): void;
  authenticate(request: Request, options: object): void;
}

const registry = passport as unknown as { _strategy(name: string): object | undefined };

export const isStrategyRegistered = (name: string): boolean => registry._strategy(name) !== undefined;

/**
 * Runs Passport strategies registered under these names, in order, until one succeeds: the protocol
 * of `passport.authenticate` (a fresh object over the strategy with success/fail/error bound to it)
 * without its per-request set-up of `req.login` & co., sessions, flash messages and redirects, which
 * this module never uses. Measured on the JWT route, that set-up and the properties it adds to every
 * request object cost more than the rest of the guard together.
 */
export function runStrategies<T>(names: readonly string[], request: Request, from = 0): T | null | Promise<T | null> {
  for (let i = from; i < names.length; i++) {
    const attempt = runStrategy<T>(names[i], request);
    // Synchronous as long as the strategies decide at once, so a cached credential costs no promise.
    if (attempt instanceof Promise)
      return attempt.then((settled) => ('user' in settled ? settled.user : runStrategies(names, request, i + 1)));
    if ('user' in attempt) return attempt.user;
  }
  return null;
}

const FAILED: Attempt<never> = { failed: true };

/** The attempt itself when the strategy decided synchronously (a cache hit), else a promise of it. */
function runStrategy<T>(name: string, request: Request): Attempt<T> | Promise<Attempt<T>> {
  const prototype = registry._strategy(name);
  if (!prototype) return FAILED;
  let settle: ((attempt: Attempt<T>) => void) | undefined;
  let raise: ((error: unknown) => void) | undefined;
  let outcome: Attempt<T> | undefined;
  let thrown: { error: unknown } | undefined;
  const decide = (attempt: Attempt<T>) => (settle ? settle(attempt) : (outcome ??= attempt));
  const strategy = Object.create(prototype) as StrategyActions<T>;
  strategy.success = (user) => decide(user ? { user } : FAILED);
  strategy.fail = () => decide(FAILED);
  strategy.pass = () => decide(FAILED);
  strategy.redirect = () => decide(FAILED);
  strategy.error = (error) => (raise ? raise(error) : (thrown ??= { error }));
  try {
    strategy.authenticate(request, { session: false });
  } catch (error) {
    thrown ??= { error };
  }
  if (thrown) return Promise.reject(thrown.error);
  if (outcome) return outcome;
  return new Promise<Attempt<T>>((resolve, reject) => {
    settle = resolve;
    raise = reject;
  });
}
