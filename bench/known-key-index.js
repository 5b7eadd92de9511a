#!/usr/bin/env node
'use strict';
/**
 * Memory of the index of known API keys per million keys, against the plain Sets it stands in for,
 * and the cost of a look-up: `npx tsc -p tsconfig.json && node --expose-gc bench/known-key-index.js`.
 * Each structure is built in a fresh child process; heapUsed + arrayBuffers before and after, after GC.
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const N = Number(process.env.KEYS ?? 1_000_000);
const kinds = ['KnownKeyIndex', 'Set of 16-hex lookup ids', 'Set of 64-hex SHA-256'];

if (process.argv[2]) {
  const { createHash } = require('node:crypto');
  const { KnownKeyIndex } = require(path.resolve(__dirname, '../dist/src/auth/api-key/known-key-index.js'));
  const hash = (i) => createHash('sha256').update(`key-${i}`).digest('hex');
  const used = () => {
    global.gc();
    global.gc();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const kind = process.argv[2];
  const before = used();
  let structure;
  if (kind === kinds[0]) {
    structure = new KnownKeyIndex();
    for (let i = 0; i < N; i++) structure.add(hash(i));
  } else {
    structure = new Set();
    for (let i = 0; i < N; i++) structure.add(kind === kinds[1] ? hash(i).slice(0, 16) : hash(i));
  }
  const after = used();
  const probes = Array.from({ length: 100_000 }, (_, i) => hash(N + i));
  const has = kind === kinds[1] ? (h) => structure.has(h.slice(0, 16)) : (h) => structure.has(h);
  let found = 0;
  for (const probe of probes) if (has(probe)) found++;
  const started = process.hrtime.bigint();
  for (const probe of probes) if (has(probe)) found++;
  const nsPerMiss = Number(process.hrtime.bigint() - started) / probes.length;
  process.stdout.write(JSON.stringify({ kind, size: structure.size, mb: (after - before) / 1e6, nsPerMiss, found }));
  return;
}

const rows = kinds.map((kind) =>
  JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', __filename, kind], {
      env: { ...process.env, KEYS: String(N) },
    }).toString(),
  ),
);
console.log(`${N.toLocaleString('en')} keys`);
console.table(
  rows.map((row) => ({
    structure: row.kind,
    'MB (heapUsed + arrayBuffers)': row.mb.toFixed(1),
    'bytes per key': Math.round((row.mb * 1e6) / N),
    'ns per look-up (miss)': row.nsPerMiss.toFixed(0),
    'false positives in 100,000': row.found / 2,
  })),
);
