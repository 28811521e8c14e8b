import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToIp, bytesToMac, ipToBytes, ipv4Broadcast, macToBytes, parsePrefix } from '../../../src/net/ip-bytes.js';

test('IPv4 and IPv6 addresses go to network-order bytes and back as ip(8) prints them', () => {
  assert.deepEqual(ipToBytes('10.0.0.1'), Buffer.from([10, 0, 0, 1]));
  assert.deepEqual(ipToBytes('fd00::1'), Buffer.from('fd000000000000000000000000000001', 'hex'));
  assert.deepEqual(ipToBytes('::ffff:1.2.3.4'), Buffer.from('00000000000000000000ffff01020304', 'hex'));
  for (const [text, printed] of [
    ['fd00::1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::', 'fe80::'],
    ['::', '::'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['2001:0:0:1::1', '2001:0:0:1::1'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
  ]) {
    assert.equal(bytesToIp(ipToBytes(text!)), printed, text);
  }
});

test('prefixes default to host length and reject nonsense', () => {
  assert.deepEqual(parsePrefix('10.0.0.1'), { address: '10.0.0.1', prefixLength: 32, family: 4 });
  assert.deepEqual(parsePrefix('fd00::1/64'), { address: 'fd00::1', prefixLength: 64, family: 6 });
  assert.throws(() => parsePrefix('10.0.0.1/33'), /0..32/);
  assert.throws(() => parsePrefix('10.0.0.300/24'), /not an IPv4 or IPv6/);
  assert.equal(ipv4Broadcast('10.1.2.3', 24), '10.1.2.255');
  assert.equal(ipv4Broadcast('10.1.2.3', 32), '10.1.2.3');
  assert.equal(ipv4Broadcast('10.1.2.3', 0), '255.255.255.255');
});

test('MAC addresses', () => {
  assert.deepEqual(macToBytes('00:00:5e:00:01:33'), Buffer.from([0, 0, 0x5e, 0, 1, 0x33]));
  assert.equal(bytesToMac(Buffer.from([0, 0, 0x5e, 0, 1, 0x33])), '00:00:5e:00:01:33');
  assert.throws(() => macToBytes('00:00:5e:00:01'), /not a MAC/);
});

test('the IPv4 fast path agrees with node:net on what is an address', async () => {
  const { isIPv4 } = await import('node:net');
  for (const t of ['0.0.0.0', '255.255.255.255', '10.0.0.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '1.2.3.', 'a.b.c.d', '1.2.3.4 ', '']) {
    let ours: boolean;
    try {
      ours = ipToBytes(t).length === 4;
    } catch {
      ours = false;
    }
    assert.equal(ours, isIPv4(t), t);
  }
  assert.deepEqual(ipToBytes('192.168.0.255'), Buffer.from([192, 168, 0, 255]));
});
