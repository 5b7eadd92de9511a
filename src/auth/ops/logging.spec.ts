import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import { ExecutionContext, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthGuard } from '../core/auth.guard';
import { FreshAuthentication } from '../core/fresh-authentication';
import { ReauthenticationMethods } from '../core/reauthentication-methods';
import type { AuthMechanism } from '../core/auth-mechanism';
import { NoTelemetry } from '../core/auth-telemetry';
import type { RouteRequirements } from '../core/route-requirements';
import pino from 'pino';
import { createAuthLogging } from './logging';

describe('log lines about a request', () => {
  afterEach(() => Logger.overrideLogger(['log', 'warn', 'error']));

  it("carry the request's id: a mechanism that cannot answer is logged under the id of the request it failed", () => {
    const lines: string[] = [];
    const logging = createAuthLogging({ format: 'json', write: (line) => void lines.push(line) });
    Logger.overrideLogger(logging.logger);
    const request = {
      headers: { 'x-request-id': 'trace-0123456789' },
      method: 'GET',
      path: '/reports',
    } as unknown as Request;
    const response = Object.assign(new EventEmitter(), { setHeader() {}, statusCode: 200 }) as unknown as Response;
    logging.requests(request, response, () => undefined);

    const storeDown: AuthMechanism = {
      name: 'apiKey',
      carriesCredential: () => true,
      authenticate: () => {
        throw new Error('connection refused');
      },
    } as unknown as AuthMechanism;
    const routes = {
      of: () => ({ kind: 'auth', mechanisms: [storeDown], scopes: [], roles: [] }),
    } as unknown as RouteRequirements;
    const context = {
      getClass: () => Object,
      getHandler: () => () => undefined,
      getArgByIndex: (index: number) => [request, response][index],
    } as unknown as ExecutionContext;
    assert.throws(
      () =>
        new AuthGuard(
          routes,
          new NoTelemetry(),
          new FreshAuthentication({ maxAgeSeconds: 600 }, new ReauthenticationMethods()),
        ).canActivate(context),
      ServiceUnavailableException,
    );

    const warning = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.level === 'warn');
    assert.ok(warning, lines.join(''));
    assert.equal(warning.reqId, 'trace-0123456789');
    assert.equal(warning.context, 'AuthGuard');
    assert.match(String(warning.msg), /^apiKey could not authenticate a request: connection refused$/);
  });

  it('stamps each line with the time of day in ISO 8601, to the millisecond', () => {
    const lines: string[] = [];
    const logging = createAuthLogging({ format: 'json', write: (line) => void lines.push(line) });
    const before = Date.now();
    for (let i = 0; i < 3; i++) logging.pino.info('tick');
    const after = Date.now();
    for (const line of lines) {
      const { time } = JSON.parse(line) as { time: string };
      assert.match(time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const at = Date.parse(time);
      assert.ok(at >= before && at <= after, `${time} is not between ${before} and ${after}`);
    }
  });

  it('writes the request line as pino would, field for field, and escapes what a client chose', () => {
    const lines: string[] = [];
    const logging = createAuthLogging({ format: 'json', write: (line) => void lines.push(line) });
    const expected: string[] = [];
    const reference = pino(
      { base: undefined, formatters: { level: (label) => ({ level: label }) } },
      { write: (line: string) => void expected.push(line) },
    );
    const served = (path: string, user?: object, finished = true) => {
      const request = { headers: {}, method: 'GET', path, user } as unknown as Request;
      const response = Object.assign(new EventEmitter(), {
        setHeader() {},
        statusCode: 200,
        writableFinished: finished,
      }) as unknown as Response;
      logging.requests(request, response, () => undefined);
      response.emit('close');
      return request as unknown as { id: string };
    };
    const anonymous = served('/a "quoted"\\path\u2028');
    reference.info(
      { reqId: anonymous.id, method: 'GET', route: '/a "quoted"\\path\u2028', status: 200, durationMs: 0 },
      'request',
    );
    const principal = { user: { id: 'u-1' }, via: 'jwt' };
    const signedIn = served('/b', principal, false);
    reference.error(
      {
        reqId: signedIn.id,
        method: 'GET',
        route: '/b',
        status: 200,
        durationMs: 0,
        userId: 'u-1',
        mechanism: 'jwt',
      },
      'request aborted',
    );
    const comparable = (line: string) =>
      line.replace(/,"time":[^,]*/, '').replace(/"durationMs":[0-9.]+/, '"durationMs":0');
    assert.deepEqual(lines.map(comparable), expected.map(comparable));
    for (const line of lines) assert.match(line, /,"time":"\d{4}-\d{2}-\d{2}T[\d:.]+Z",/);
  });
});
