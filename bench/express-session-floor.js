#!/usr/bin/env node
'use strict';
/**
 * What express-session costs by itself on this machine: a bare Express app (no Nest, no guard) with
 * one route behind express-session and one without, the store answering every read from memory at
 * once. The difference in time per request is express-session's own work (cookie parse and HMAC
 * check, two SHA-1 hashes of the session, its Session and Cookie objects, the wrapped res.end), the
 * floor under any session route; `npm run bench` compares it with what the session route may cost.
 *
 * Run: node bench/express-session-floor.js  (BENCH_ROUNDS, default 8, of 2 s per route)
 */
const { fork } = require('node:child_process');
const { createSecretKey, randomBytes } = require('node:crypto');
const autocannon = require('autocannon');
const express = require('express');
const session = require('express-session');

/** A store with no I/O: every read returns the one session, parsed anew as a real store would. */
class MemoryOnlyStore extends session.Store {
  constructor() {
    super();
    this.json = null;
  }
  get(_sid, callback) {
    callback(undefined, this.json && JSON.parse(this.json));
  }
  set(_sid, data, callback) {
    this.json = JSON.stringify(data);
    callback?.();
  }
  destroy(_sid, callback) {
    this.json = null;
    callback?.();
  }
}

function serve() {
  const app = express();
  const sessions = session({
    secret: [createSecretKey(randomBytes(32))],
    store: new MemoryOnlyStore(),
    resave: false,
    saveUninitialized: false,
    name: 'sid',
    cookie: { httpOnly: true, sameSite: 'lax' },
  });
  app.get('/plain', (_req, res) => res.json({ ok: true }));
  app.post('/login', sessions, (req, res) => {
    // The shape of the module's own session data.
    req.session.auth = {
      userId: randomBytes(16).toString('hex'),
      email: 'floor@example.com',
      roles: ['user'],
      publicId: randomBytes(16).toString('hex'),
      createdAt: Date.now(),
    };
    res.json({ ok: true });
  });
  app.get('/session', sessions, (req, res) => res.json({ ok: req.session.auth !== undefined }));
  const server = app.listen(0, '127.0.0.1', () => process.send(server.address().port));
}

async function measure(port) {
  const url = `http://127.0.0.1:${port}`;
  const login = await fetch(`${url}/login`, { method: 'POST' });
  const cookie = login.headers.getSetCookie()[0].split(';')[0];
  if (!(await (await fetch(`${url}/session`, { headers: { cookie } })).json()).ok)
    throw new Error('the session did not load');
  const rounds = Number(process.env.BENCH_ROUNDS ?? 8);
  const perRoute = { plain: [], session: [] };
  for (const route of Object.keys(perRoute))
    await autocannon({ url: `${url}/${route}`, headers: { cookie }, connections: 10, duration: 1 });
  for (let round = 0; round < rounds; round++) {
    for (const route of Object.keys(perRoute)) {
      const result = await autocannon({ url: `${url}/${route}`, headers: { cookie }, connections: 10, duration: 2 });
      perRoute[route].push(result.requests.average);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const plain = median(perRoute.plain);
  const withSession = median(perRoute.session);
  console.log(`bare Express, ${rounds} rounds of 2 s, node ${process.version}`);
  console.log(`  without express-session: ${plain.toFixed(0)} req/s (${(1e6 / plain).toFixed(1)} µs per request)`);
  console.log(
    `  with express-session:    ${withSession.toFixed(0)} req/s (${(1e6 / withSession).toFixed(1)} µs per request)`,
  );
  console.log(`  express-session's own cost: ${(1e6 / withSession - 1e6 / plain).toFixed(1)} µs per request`);
}

if (process.argv[2] === 'serve') {
  serve();
} else {
  const child = fork(__filename, ['serve']);
  child.once('message', (port) =>
    measure(port)
      .catch((error) => {
        console.error(error);
        process.exitCode = 1;
      })
      .finally(() => child.kill()),
  );
}
