#!/usr/bin/env node
'use strict';
/**
 * Per-call costs on the hot path that autocannon cannot resolve: `npm run build && node bench/micro.js`.
 * - one request line through the module's logging (the request logger has no redaction) against the same line
 *   through the redacting logger every other log line uses;
 * - the guard's metrics call (`PrometheusTelemetry.guarded`: histogram + counter) per guarded request.
 */
require('reflect-metadata');
const path = require('node:path');
const dist = path.resolve(__dirname, '../dist/src/auth');
const { createAuthLogging } = require(`${dist}/ops/logging.js`);
const { PrometheusTelemetry } = require(`${dist}/ops/prometheus-telemetry.js`);

function nsPerCall(calls, run) {
  for (let i = 0; i < calls; i++) run(i); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) run(i);
  return Number(process.hrtime.bigint() - started) / calls;
}

const logging = createAuthLogging({ level: 'info', format: 'json', write: () => {} });
const line = (i) => ({
  reqId: `req-${i}`,
  method: 'GET',
  route: '/examples/profile',
  status: 200,
  userId: 'u',
  mechanism: 'jwt',
  durationMs: 1.2,
});
const redacted = nsPerCall(200_000, (i) => logging.pino.info(line(i), 'request'));
// The request logger is internal to the middleware: one request through it, without a server.
let requestLine = 0;
{
  const { EventEmitter } = require('node:events');
  requestLine = nsPerCall(200_000, (i) => {
    const response = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: true, setHeader() {} });
    logging.requests(
      { headers: {}, method: 'GET', path: '/examples/profile', route: undefined, baseUrl: '' },
      response,
      () => {},
    );
    response.emit('finish');
    response.emit('close');
  });
}
const bus = new Proxy({}, { get: () => () => ({}) });
const telemetry = new PrometheusTelemetry({ processMetrics: false, requireToken: false }, bus);
const guarded = nsPerCall(1_000_000, () => telemetry.guarded('jwt', 'success', 0.00002));

console.log(`log line through the redacting logger      ${(redacted / 1000).toFixed(2)} µs`);
console.log(`request middleware + request line, no redaction ${(requestLine / 1000).toFixed(2)} µs`);
console.log(`PrometheusTelemetry.guarded()              ${(guarded / 1000).toFixed(2)} µs`);
