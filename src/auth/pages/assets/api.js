// @ts-check
/** The pages' one way to the module's HTTP routes: JSON, the session cookie, and the CSRF token on unsafe calls. */

import { apiPrefix } from './paths.js';

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {number | null} retryAfterSeconds
   * @param {unknown} body
   */
  constructor(status, message, retryAfterSeconds, body) {
    super(message);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.body = body;
  }
}

export class NetworkError extends Error {}

/** Thrown after a 401 has been handed to `onSignedOut`: the page has already gone back to sign-in. */
export class SignedOutError extends Error {}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export { apiPrefix };

/** The session's CSRF token: in this module's memory only, never in storage or a URL. */
let csrfToken = /** @type {string | null} */ (null);
/** @type {(reason: string) => void} */
let signedOutHandler = () => {};
/**
 * Asks the user to prove who they are again; answers whether they did.
 * @type {((challenge: { maxAge: number, methods: string[] }) => Promise<boolean>) | null}
 */
let reauthenticationHandler = null;

/** What a route that changes how one signs in answers a caller who has not proved who they are recently. */
export const REAUTHENTICATION_REQUIRED = 'Reauthentication required';

/** @param {string | null} token */
export function setCsrfToken(token) {
  csrfToken = token;
}

/**
 * Called when a route answers 401 to a signed-in page: the session ended (elsewhere, by an admin, by expiry).
 * @param {(reason: string) => void} handler
 */
export function onSignedOut(handler) {
  signedOutHandler = handler;
}

/**
 * Called when a route answers 401 `Reauthentication required`: the call is made again once the handler
 * answers true (the user re-authenticated), and fails when it answers false (they gave up).
 * @param {(challenge: { maxAge: number, methods: string[] }) => Promise<boolean>} handler
 */
export function onReauthenticationRequired(handler) {
  reauthenticationHandler = handler;
}

/**
 * @param {string} method
 * @param {string} path under the API prefix, e.g. `/me`
 * @param {unknown} [body]
 * @param {{ expectSignedIn?: boolean, proof?: boolean, retried?: boolean }} [options]
 *   `expectSignedIn: false` for sign-in and other public calls: a 401 is theirs to report; `proof: true` for
 *   a signed-in call whose 401 is a wrong proof (re-authentication), not the end of the session.
 * @returns {Promise<{ status: number, body: any, headers: Headers }>}
 */
export async function call(method, path, body, options = {}) {
  const expectSignedIn = options.expectSignedIn ?? true;
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method) && expectSignedIn) {
    if (!csrfToken) csrfToken = (await call('GET', '/csrf')).body.csrfToken;
    headers['X-CSRF-Token'] = /** @type {string} */ (csrfToken);
  }
  let response;
  try {
    response = await fetch(`${apiPrefix}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    throw new NetworkError('Could not reach the server. Check your connection and try again.');
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  const renewed = response.headers.get('X-CSRF-Token');
  if (renewed) csrfToken = renewed;
  if (response.ok) return { status: response.status, body: parsed, headers: response.headers };
  if (response.status === 401 && expectSignedIn && parsed?.message === REAUTHENTICATION_REQUIRED && !options.retried) {
    if (reauthenticationHandler && (await reauthenticationHandler(parsed)))
      return call(method, path, body, { ...options, retried: true });
    throw new ApiError(401, 'Confirm it is you to do this.', null, parsed);
  }
  if (response.status === 401 && expectSignedIn && !options.proof) {
    csrfToken = null;
    signedOutHandler('Your session has ended. Please sign in again.');
    throw new SignedOutError('Signed out');
  }
  const retryAfter = Number(response.headers.get('Retry-After'));
  throw new ApiError(
    response.status,
    messageOf(parsed, response.status),
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    parsed,
  );
}

/** @param {string} path */
export const get = (path) => call('GET', path).then((r) => r.body);
/** @param {string} path @param {unknown} [body] */
export const post = (path, body) => call('POST', path, body ?? {});
/** @param {string} path */
export const del = (path) => call('DELETE', path);

/**
 * @param {any} body
 * @param {number} status
 */
function messageOf(body, status) {
  const message = body && typeof body === 'object' ? body.message : null;
  if (Array.isArray(message)) return message.filter((m) => typeof m === 'string').join('. ');
  if (typeof message === 'string' && message) return message;
  return `The request failed (HTTP ${status}).`;
}

/**
 * What to tell the user about a failure; empty when there is nothing to say (the page went back to sign-in).
 * @param {unknown} error
 */
export function describeError(error) {
  if (error instanceof SignedOutError) return '';
  if (error instanceof NetworkError) return error.message;
  if (error instanceof ApiError) {
    if (error.status === 429) {
      return error.retryAfterSeconds
        ? `Too many attempts. Try again in ${waitText(error.retryAfterSeconds)}.`
        : 'Too many attempts. Try again later.';
    }
    if (error.status === 403) {
      return /csrf/i.test(error.message)
        ? 'This page is out of date. Reload it and try again.'
        : `Not allowed: ${error.message === 'Forbidden' || error.message === 'Forbidden resource' ? 'your account may not do this.' : error.message}`;
    }
    if (error.status >= 500) return 'The service is unavailable right now. Try again in a moment.';
    return error.message;
  }
  return 'Something went wrong. Reload the page and try again.';
}

/** @param {number} seconds */
function waitText(seconds) {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}
