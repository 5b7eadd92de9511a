import assert from 'node:assert/strict';
import dns from 'node:dns/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it, mock } from 'node:test';
import { postDelivery } from './webhook-sender';
import { isPrivateAddress, resolveTarget } from './webhook-target';

describe('webhook targets', () => {
  it('counts loopback, private, link-local, unique-local, metadata and embedded IPv4 addresses as private', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '10.0.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '64:ff9b::7f00:1',
      '2002:7f00:1::1',
      'fe80::1',
      'fe80::1%eth0',
      'fc00::1',
      'fd00:ec2::254',
      'ff02::1',
      '2001:db8::1',
      'not an address',
    ])
      assert.equal(isPrivateAddress(address), true, address);
    for (const address of [
      '93.184.215.14',
      '8.8.8.8',
      '172.32.0.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
    ])
      assert.equal(isPrivateAddress(address), false, address);
  });

  it('refuses a name with any private address among its answers', async () => {
    const lookup = mock.method(dns, 'lookup', async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ]);
    try {
      await assert.rejects(
        resolveTarget('https://mixed.example/hook', { allowPrivateTargets: false, requireHttps: true }),
        /may not call/,
      );
    } finally {
      lookup.mock.restore();
    }
  });
});

describe('webhook delivery connects to the address it checked', () => {
  let port = 0;
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(204).end();
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a private target at delivery time when private targets are not allowed, and calls nothing', async () => {
    const before = hits;
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `http://localhost:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
    ]) {
      const result = await postDelivery(url, {}, '{}', { allowPrivateTargets: false, requireHttps: false }, 2000);
      assert.deepEqual(result, { ok: false, status: null, error: 'refused-target' }, url);
    }
    assert.equal(hits, before);
  });

  it('resolves once and connects to that answer, whatever the name resolves to afterwards (DNS rebinding)', async () => {
    let answers = 0;
    // The first answer is the one checked; any later look-up of the name would get an address nothing listens on.
    const lookup = mock.method(dns, 'lookup', async () =>
      answers++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '192.0.2.1', family: 4 }],
    );
    try {
      const before = hits;
      const result = await postDelivery(
        `http://rebinding.test:${port}/`,
        {},
        '{}',
        { allowPrivateTargets: true, requireHttps: false },
        2000,
      );
      assert.deepEqual(result, { ok: true, status: 204 });
      assert.equal(hits, before + 1);
      assert.equal(answers, 1, 'the name was resolved once for the attempt');
    } finally {
      lookup.mock.restore();
    }
  });

  it('does not follow redirects and ends a stalled answer at the timeout', async () => {
    const other = createServer((req, res) => {
      if (req.url === '/redirect') res.writeHead(307, { location: `http://127.0.0.1:${port}/` }).end();
      // '/stall' never answers.
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherPort = (other.address() as AddressInfo).port;
    const policy = { allowPrivateTargets: true, requireHttps: false };
    try {
      const before = hits;
      assert.deepEqual(await postDelivery(`http://127.0.0.1:${otherPort}/redirect`, {}, '{}', policy, 2000), {
        ok: false,
        status: 307,
        error: 'status',
      });
      assert.equal(hits, before, 'the redirect was not followed');
      const started = Date.now();
      assert.deepEqual(await postDelivery(`http://127.0.0.1:${otherPort}/stall`, {}, '{}', policy, 300), {
        ok: false,
        status: null,
        error: 'timeout',
      });
      assert.ok(Date.now() - started < 2000);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
