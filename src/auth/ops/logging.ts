import type { LoggerService } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pino, { type Logger } from 'pino';
import type { AuthPrincipal } from '../core/auth-principal';

export interface AuthLoggingOptions {
  /** `info` by default. */
  level?: string;
  /** One JSON object a line (production), or `pretty` (development; needs the pino-pretty package, else JSON). */
  format?: 'json' | 'pretty';
  /** Where the lines go; `process.stdout` by default. */
  write?: (line: string) => void;
}

/** Well-formed ids of a caller's own are kept, so a request can be followed across services; anything else is replaced. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Never logged, wherever they turn up in a logged object: the module logs no headers or bodies, and
 * these paths make sure a secret passed to a log call by mistake is masked all the same.
 */
export const REDACTED_PATHS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'refresh_token',
  'access_token',
  'mfaToken',
  'code',
  'recoveryCode',
  'recoveryCodes',
  'otpauthUrl',
  'key',
  'secret',
  'authorization',
  'cookie',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.refresh_token',
  '*.access_token',
  '*.key',
  '*.secret',
  '*.mfaToken',
  '*.code',
  '*.recoveryCode',
  '*.recoveryCodes',
  '*.otpauthUrl',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["x-api-key"]',
  'headers["x-csrf-token"]',
];

export interface AuthLogging {
  /** Pass to `NestFactory.create(…, { logger })`: every Nest and module log line; those about a request carry its id (`aboutRequest`). */
  logger: LoggerService;
  /** Install first (`app.use`): the request id (X-Request-Id, and `request.id`), and one line per request with the principal. */
  requests: RequestHandler;
  pino: Logger;
}

/**
 * Structured logs on pino: one line per request (`reqId`, `method`, `route`, `status`, `durationMs`,
 * `userId`, `mechanism`), the path without its query string (where one-time tokens travel), and no
 * header or body ever.
 */
export function createAuthLogging(options: AuthLoggingOptions = {}): AuthLogging {
  const destination = destinationFor(options);
  const settings: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: undefined,
    timestamp: isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const logger = pino({ ...settings, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
  // The request line holds only the fields written below, none of them a secret; redaction would be
  // most of its cost (`npm run bench:micro` compares the two), so it has a logger without it.
  const requestLogger = pino(settings, destination);
  return {
    pino: logger,
    logger: new PinoLoggerService(logger),
    requests: (request: Request, response: Response, next: NextFunction) => {
      const given = request.headers['x-request-id'];
      const reqId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      response.setHeader('X-Request-Id', reqId);
      const started = performance.now();
      const logLine = () => {
        // Closed before it finished: the client went away before the answer was written.
        const aborted = !response.writableFinished;
        const level = aborted || response.statusCode >= 500 ? 'error' : 'info';
        if (!requestLogger.isLevelEnabled(level)) return;
        const durationMs = Math.round((performance.now() - started) * 10) / 10;
        destination.write(requestLine(level, reqId, request, response, durationMs, aborted));
      };
      // 'close' comes after 'finish' too, so one listener sees both ends.
      response.once('close', logLine);
      // On the request, not in an AsyncLocalStorage: on Node 20 that hooks every promise of the process,
      // a cost on every guarded request; lines about a request take the id from it (`aboutRequest`).
      (request as { id?: string }).id = reqId;
      next();
    },
  };
}

/**
 * The request line, as pino writes it for `requestLogger[level]({ reqId, method, route, status,
 * durationMs, userId, mechanism }, msg)` with these settings, written straight from a template: pino's
 * generic serialisation (a loop over the fields, and the object holding them) was most of the line's
 * cost. Only fields that may hold any character go through JSON.stringify: the id is one of ours or
 * passed REQUEST_ID, the method is one Node's parser knows, the status and duration are numbers.
 */
function requestLine(
  level: string,
  reqId: string,
  request: Request,
  response: Response,
  durationMs: number,
  aborted: boolean,
): string {
  const principal = (request as { user?: AuthPrincipal }).user;
  const route = request.route ? `${request.baseUrl}${(request.route as { path: string }).path}` : request.path;
  const who = principal
    ? `,"userId":${JSON.stringify(principal.user.id)},"mechanism":${JSON.stringify(principal.via)}`
    : '';
  return (
    `{"level":"${level}"${isoTime()},"reqId":"${reqId}","method":"${request.method}","route":${JSON.stringify(route)},` +
    `"status":${response.statusCode},"durationMs":${durationMs}${who},"msg":"${aborted ? 'request aborted' : 'request'}"}\n`
  );
}

let formattedSecond = -1;
let secondPrefix = '';

/**
 * pino's `isoTime`, with the date formatted once a second instead of on every line: a request line's
 * timestamp was a tenth of its cost.
 */
function isoTime(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== formattedSecond) {
    formattedSecond = second;
    secondPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `,"time":"${secondPrefix}${String(now % 1000).padStart(3, '0')}Z"`;
}

/**
 * Standard output by default, through pino's asynchronous destination, in writes of 4 KB or at least
 * every quarter of a second: a write of its own per line cost a request about 5 µs more of CPU
 * (`npm run bench:hot-path`), most of it handing the write to libuv's threads and back. pino writes
 * what is left when the process exits; a process killed outright loses at most that quarter second.
 */
function destinationFor(options: AuthLoggingOptions): pino.DestinationStream {
  if (options.format === 'pretty')
    return { write: prettyWriter(options.write ?? ((line) => void process.stdout.write(line))) };
  if (options.write) return { write: options.write };
  return pino.destination({ dest: process.stdout.fd, sync: false, minLength: 4096, periodicFlush: 250 });
}

function prettyWriter(write: (line: string) => void): (line: string) => void {
  try {
    // Optional: a development dependency; in production the logs are JSON anyway.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const prettify = (require('pino-pretty') as typeof import('pino-pretty')).prettyFactory({
      colorize: true,
      translateTime: 'SYS:HH:MM:ss.l',
    });
    return (line) => write(prettify(line));
  } catch {
    return write;
  }
}

/** Nest's LoggerService over pino: `context` becomes a field, and so do those of a `{ msg, …fields }` message. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    rest: unknown[],
  ): void {
    if (!this.logger.isLevelEnabled(level)) return;
    // Nest passes the context last, and for errors a stack before it.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    let fields: Record<string, unknown> = { context };
    let text: string;
    if (message instanceof Error) {
      fields.err = message;
      text = message.message;
    } else if (isLineObject(message)) {
      // `{ msg, …fields }` (see `aboutRequest`): the fields become the line's, redaction included.
      const { msg, ...rest } = message;
      fields = { ...rest, context };
      text = msg;
    } else text = typeof message === 'string' ? message : JSON.stringify(message);
    if (!(message instanceof Error) && level === 'error' && typeof rest[0] === 'string' && rest.length > 1)
      fields.stack = rest[0];
    this.logger[level](fields, text);
  }
}

function isLineObject(message: unknown): message is { msg: string } & Record<string, unknown> {
  return typeof message === 'object' && message !== null && typeof (message as { msg?: unknown }).msg === 'string';
}
