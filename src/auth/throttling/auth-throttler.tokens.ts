/** ThrottlerModuleOptions of the auth routes; a token of our own, so a host app's ThrottlerModule is left alone. */
export const AUTH_THROTTLER_OPTIONS = Symbol('AUTH_THROTTLER_OPTIONS');
/** The ThrottlerStorage behind the auth routes: Redis when configured, process memory otherwise. */
export const AUTH_THROTTLER_STORAGE = Symbol('AUTH_THROTTLER_STORAGE');
