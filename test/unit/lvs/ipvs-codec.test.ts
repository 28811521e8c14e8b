import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as c from '../../../src/lvs/ipvs/codec.js';
import type { ServiceSettings } from '../../../src/lvs/reconciler.js';
import type { DestinationEntry } from '../../../src/lvs/desired.js';
import { NO_SCHEDULER_FLAGS } from '../../../src/lvs/desired.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const web: ServiceSettings = {
  key: { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
  scheduler: 'wlc',
  schedulerFlags: NO_SCHEDULER_FLAGS,
  onePacket: false,
};

test('NEW_SERVICE for tcp 10.0.0.1:80 wlc, byte for byte', () => {
  // genl header: cmd 1, version 1; then SERVICE (1|NESTED) holding AF, PROTOCOL, ADDR(16),
  // PORT (big endian), SCHED_NAME, FLAGS {flags, mask}, TIMEOUT, NETMASK (mask, big endian).
  const expected = hex(`
    01 01 0000
    5400 0180
      0600 0100 0200 0000
      0600 0200 0600 0000
      1400 0300 0a000001 00000000 00000000 00000000
      0600 0400 0050 0000
      0800 0600 776c6300
      0c00 0700 00000000 ffffffff
      0800 0800 00000000
      0800 0900 ffffffff`);
  assert.deepEqual(c.encodeNewService(web), expected);
});

test('persistence, scheduler flags and one-packet set the flag bits, timeout and netmask', () => {
  const p = c.encodeSetService({
    key: { kind: 'addr', family: 'inet', protocol: 'udp', address: '10.0.0.1', port: 53 },
    scheduler: 'sh',
    schedulerFlags: { flag1: true, flag2: true, flag3: false },
    onePacket: true,
    persistence: { timeout: 360, prefixLength: 24 },
  });
  assert.equal(p[0], 2, 'SET_SERVICE');
  // flags: persistent 0x1 | one-packet 0x4 | sched1 0x8 | sched2 0x10 = 0x1d
  assert.ok(p.includes(hex('0c00 0700 1d000000 ffffffff')));
  assert.ok(p.includes(hex('0800 0800 68010000')), 'timeout 360');
  assert.ok(p.includes(hex('0800 0900 ffffff00')), 'netmask /24 in network order');
});

test('IPv6 services carry a 16-byte address and a prefix-length netmask', () => {
  const p = c.encodeNewService({ ...web, key: { kind: 'addr', family: 'inet6', protocol: 'sctp', address: '2001:db8::1', port: 443 }, persistence: { timeout: 60, prefixLength: 64 } });
  assert.ok(p.includes(hex('0600 0100 0a00 0000')), 'AF_INET6');
  assert.ok(p.includes(hex('0600 0200 8400 0000')), 'IPPROTO_SCTP');
  assert.ok(p.includes(hex('1400 0300 20010db8000000000000000000000001')));
  assert.ok(p.includes(hex('0800 0900 40000000')), 'prefix 64');
});

test('fwmark services are named by the mark, without protocol, address or port', () => {
  const p = c.encodeDelService({ kind: 'fwmark', family: 'inet', fwmark: 5 });
  assert.deepEqual(p, hex('03 01 0000  1400 0180  0600 0100 0200 0000  0800 0500 05000000'));
});

test('NEW_DEST: parent service key then the destination', () => {
  const d: DestinationEntry = { family: 'inet', address: '192.168.1.2', port: 8080, weight: 3, forwarding: { method: 'dr' }, upperThreshold: 100, lowerThreshold: 10 };
  const p = c.encodeNewDest({ kind: 'fwmark', family: 'inet', fwmark: 5 }, d);
  assert.deepEqual(
    p,
    hex(`05 01 0000
      1400 0180 0600 0100 0200 0000 0800 0500 05000000
      4800 0280
        1400 0100 c0a80102 00000000 00000000 00000000
        0600 0200 1f90 0000
        0600 0b00 0200 0000
        0800 0300 03000000
        0800 0400 03000000
        0800 0500 64000000
        0800 0600 0a000000`),
  );
});

test("a service key's bytes, encoded once per key object, are those of any equal key; a bad address is named", () => {
  const d: DestinationEntry = { family: 'inet', address: '192.168.1.2', port: 8080, weight: 3, forwarding: { method: 'nat' }, upperThreshold: 0, lowerThreshold: 0 };
  const key = web.key;
  const first = c.encodeNewDest(key, d);
  // The same object again (its bytes come from the cache), and an equal new object.
  assert.deepEqual(c.encodeNewDest(key, d), first);
  assert.deepEqual(c.encodeNewDest({ ...key }, d), first);
  // The service key sits at the start, as encoded for NEW_SERVICE's key: address in place.
  assert.deepEqual(first.subarray(4, 8), hex('3000 0180'));
  assert.deepEqual(first.subarray(24, 44), hex('1400 0300 0a000001 00000000 00000000 00000000'));
  // Another destination of the same key: only its own part differs.
  const other = c.encodeNewDest(key, { ...d, address: '192.168.1.3' });
  assert.deepEqual(other.subarray(0, 52), first.subarray(0, 52));
  assert.notDeepEqual(other, first);
  assert.throws(() => c.encodeNewDest(key, { ...d, address: '192.168.1' }), /"192\.168\.1" is not an IPv4 address/);
  const v6 = c.encodeNewDest({ kind: 'addr', family: 'inet6', protocol: 'tcp', address: 'fd00::1', port: 80 }, { ...d, family: 'inet6', address: 'fd00::2' });
  assert.ok(v6.includes(hex('fd000000 00000000 00000000 00000002')));
});

test('tunnel destinations carry type, port and checksum flags', () => {
  const gue: DestinationEntry = { family: 'inet', address: '10.9.0.1', port: 80, weight: 1, forwarding: { method: 'tun', encap: { type: 'gue', port: 6080, checksum: 'remcsum' } }, upperThreshold: 0, lowerThreshold: 0 };
  const p = c.encodeSetDest(web.key, gue);
  assert.ok(p.includes(hex('0800 0300 02000000')), 'FWD tunnel');
  assert.ok(p.includes(hex('0500 0d00 01000000')), 'TUN_TYPE gue');
  assert.ok(p.includes(hex('0600 0e00 17c0 0000')), 'TUN_PORT 6080 big endian');
  assert.ok(p.includes(hex('0600 0f00 0200 0000')), 'TUN_FLAGS remcsum');
});

test('services and destinations read back equal to what was written', () => {
  const services: ServiceSettings[] = [
    web,
    { ...web, key: { kind: 'addr', family: 'inet6', protocol: 'udp', address: '2001:db8::10', port: 53 }, scheduler: 'mh', schedulerFlags: { flag1: true, flag2: false, flag3: true }, onePacket: true },
    { ...web, key: { kind: 'fwmark', family: 'inet6', fwmark: 77 }, persistence: { timeout: 900, prefixLength: 48 } },
    { ...web, key: { kind: 'fwmark', family: 'inet', fwmark: 1 }, scheduler: 'sh', persistence: { timeout: 30, prefixLength: 16, engine: 'sip' } },
  ];
  for (const s of services) assert.deepEqual(c.decodeService(c.encodeServiceReply(s)).service, s);
  const dests: DestinationEntry[] = [
    { family: 'inet', address: '192.168.1.2', port: 80, weight: 0, forwarding: { method: 'nat' }, upperThreshold: 0, lowerThreshold: 0 },
    { family: 'inet6', address: 'fd00::2', port: 0, weight: 2147483647, forwarding: { method: 'tun', encap: { type: 'gre', checksum: 'csum' } }, upperThreshold: 5, lowerThreshold: 1 },
    { family: 'inet', address: '10.1.1.1', port: 80, weight: 9, forwarding: { method: 'tun', encap: { type: 'ipip' } }, upperThreshold: 0, lowerThreshold: 0 },
  ];
  for (const d of dests) {
    const r = c.decodeDestination(c.encodeDestReply(d, { active: 4, inactive: 2, persistent: 1 }), 'inet');
    assert.deepEqual(r.destination, d);
    assert.deepEqual([r.activeConns, r.inactiveConns, r.persistentConns], [4, 2, 1]);
  }
});

test('64-bit stats are preferred over the 32-bit ones', () => {
  // A reply with SERVICE{AF, FWMARK, SCHED, FLAGS, STATS{CONNS=1}, STATS64{CONNS=2^33}}.
  const p = hex(`01 01 0000
    4400 0180
      0600 0100 0200 0000
      0800 0500 09000000
      0700 0600 72720000
      0c00 0700 02000000 ffffffff
      0c00 0a80 0800 0100 01000000
      1000 0c80 0c00 0100 0000000002000000`);
  const r = c.decodeService(p);
  assert.deepEqual(r.service.key, { kind: 'fwmark', family: 'inet', fwmark: 9 });
  assert.equal(r.service.scheduler, 'rr');
  assert.equal(r.stats?.conns, 8589934592n);
});

test('malformed replies raise a decode error, never a crash', () => {
  assert.throws(() => c.decodeService(hex('0101')), c.IpvsDecodeError);
  assert.throws(() => c.decodeService(hex('01010000')), c.IpvsDecodeError);
  assert.throws(() => c.decodeService(hex('01010000 0c000180 06000100 07000000')), c.IpvsDecodeError, 'AF 7');
  assert.throws(() => c.decodeService(hex('01010000 ff000180')));
  let seed = 1;
  for (let i = 0; i < 2000; i++) {
    const b = c.encodeServiceReply(web);
    seed = (seed * 16807) % 2147483647;
    const at = seed % b.length;
    b[at] = b[at]! ^ (1 << (seed % 8));
    try {
      c.decodeService(b);
    } catch (e) {
      assert.ok(e instanceof Error && /Decode/.test(e.name), String(e));
    }
  }
});

test('sync daemon, timeouts and info messages', () => {
  const d = c.encodeNewDaemon({ state: 'backup', interface: 'eth0', syncId: 7, group: '224.0.0.81', port: 8848, ttl: 1, maxLength: 1400 });
  assert.deepEqual(c.decodeDaemon(d), { state: 'backup', interface: 'eth0', syncId: 7, group: '224.0.0.81', port: 8848, ttl: 1, maxLength: 1400 });
  assert.ok(d.includes(hex('0600 0700 9022 0000')), 'sync port in host byte order (the kernel reads it with nla_get_u16)');
  assert.deepEqual(c.encodeDelDaemon('master'), hex('0a 01 0000 0c00 0380 0800 0100 01000000'));
  const t = c.encodeSetTimeouts({ tcp: 900, udp: 300 });
  assert.deepEqual(t, hex('0c 01 0000 0800 0400 84030000 0800 0500 00000000 0800 0600 2c010000'));
  assert.deepEqual(c.decodeTimeouts(t), { tcp: 900, tcpFin: 0, udp: 300 });
  assert.deepEqual(c.decodeInfo(hex('0e 01 0000 0800 0100 01020100 0800 0200 00100000')), { version: '1.2.1', connectionTableSize: 4096 });
});
