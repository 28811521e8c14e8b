import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import { bytesToIp, bytesToMac, ipToBytes, ipv4Broadcast, ipv6Bytes, macToBytes, parsePrefix } from '../../../src/net/ip-bytes.js';

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

test('the IPv6 parser accepts exactly what node:net accepts, and formats as inet_ntop', () => {
  const good = ['::', '::1', '1::', 'fe80::1', 'FE80:0:0::13', '2001:db8::1:0:0:1', '1:2:3:4:5:6:7:8', '::ffff:10.0.0.1', '64:ff9b::192.0.2.33', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8'];
  const bad = ['', ':', ':::', '1:::2', '1::2::3', '12345::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '::1:2:3:4:5:6:7:8', ':1::', '1::2:', 'g::1', '::1.2.3', '::01.2.3.4', '1.2.3.4::', '::ffff:1.2.3.4:5', '1:2:3:4:5:6:7:1.2.3.4'];
  for (const t of good) assert.ok(ipv6Bytes(t), t);
  for (const t of bad) assert.equal(ipv6Bytes(t), undefined, t);
  // Mutations of valid addresses: agreement with Node on every one.
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const alphabet = '0123456789abcdefABCDEF:.';
  for (let i = 0; i < 20000; i++) {
    const chars = [...good[rnd(good.length)]!];
    for (let k = rnd(3) + 1; k > 0; k--) {
      const at = rnd(chars.length + 1);
      const op = rnd(3);
      if (op === 0) chars.splice(at, 0, alphabet[rnd(alphabet.length)]!);
      else if (op === 1) chars.splice(at, 1);
      else chars[at] = alphabet[rnd(alphabet.length)]!;
    }
    const text = chars.join('');
    assert.equal(ipv6Bytes(text) !== undefined, isIPv6(text), text);
  }
  assert.equal(bytesToIp(ipv6Bytes('::ffff:a00:1')!), '::ffff:10.0.0.1');
  assert.equal(bytesToIp(ipv6Bytes('::a00:1')!), '::10.0.0.1');
  assert.equal(bytesToIp(ipv6Bytes('::1')!), '::1');
  assert.equal(bytesToIp(ipv6Bytes('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(bytesToIp(ipv6Bytes('FE80:0:0:0:0:0:0:13')!), 'fe80::13');
});
