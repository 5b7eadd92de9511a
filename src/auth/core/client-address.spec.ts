import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAddressKey } from './client-address';

describe('clientAddressKey', () => {
  it('counts an IPv6 client by its /64, however the address is written', () => {
    const key = '2001:db8:85a3:42::/64';
    for (const address of [
      '2001:db8:85a3:42::1',
      '2001:db8:85a3:42:ffff:ffff:ffff:ffff',
      '2001:0DB8:85A3:0042:0000:0000:0000:0001',
      '2001:db8:85a3:42:1:2:3:4%eth0',
      '2001:db8:85a3:42::192.0.2.1',
    ]) {
      assert.equal(clientAddressKey(address), key, address);
    }
    assert.notEqual(clientAddressKey('2001:db8:85a3:43::1'), key);
    assert.equal(clientAddressKey('::1'), '0:0:0:0::/64');
    assert.equal(clientAddressKey('fe80::1'), 'fe80:0:0:0::/64');
  });

  it('counts an IPv4 client by its address, written as IPv4 or as IPv4-mapped IPv6', () => {
    assert.equal(clientAddressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(clientAddressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(clientAddressKey('::ffff:cb00:7107'), '203.0.113.7');
    assert.notEqual(clientAddressKey('203.0.113.8'), clientAddressKey('203.0.113.7'));
  });

  it('keeps anything else as it is', () => {
    assert.equal(clientAddressKey(undefined), '');
    assert.equal(clientAddressKey(''), '');
    assert.equal(clientAddressKey('not an address'), 'not an address');
  });
});
