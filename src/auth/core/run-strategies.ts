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
export async function runStrategies<T>(names: readonly string[], request: Request): Promise<T | null> {
  for (const name of names) {
    const attempt = await runStrategy<T>(name, request);
    if ('user' in attempt) return attempt.user;
  }
  return null;
}

function runStrategy<T>(name: string, request: Request): Promise<Attempt<T>> {
  const prototype = registry._strategy(name);
  if (!prototype) return Promise.resolve({ failed: true });
  return new Promise<Attempt<T>>((resolve, reject) => {
    const strategy = Object.create(prototype) as StrategyActions<T>;
    strategy.success = (user) => resolve(user ? { user } : { failed: true });
    strategy.fail = () => resolve({ failed: true });
    strategy.pass = () => resolve({ failed: true });
    strategy.redirect = () => resolve({ failed: true });
    strategy.error = reject;
    try {
      strategy.authenticate(request, { session: false });
    } catch (error) {
      reject(error);
    }
  });
}
