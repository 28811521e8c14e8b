// Golden packets from ../shared/fixtures/vrrp-pcap/golden-packets.md (keepalived 2.2.7;
// packet bytes are facts). Frames 1, 4, 11, 14 and their priority-0 shutdown twins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeIpv4Advert, decodeIpv6Advert, encodeIpv4Advert, encodeIpv6Advert } from '../../../src/vrrp/codec.js';
import { internetChecksum } from '../../../src/net/checksum.js';
import { ipv4PseudoHeader } from '../../../src/vrrp/checksum.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// IP datagrams (Ethernet header removed).
const FRAME1_V2_PASS = hex('45c0 0028 0001 0000 ff70 cf90 0a01 0101 e000 0012 210a ff01 0101 660f 0a01 0164 7365 6372 6574 3132');
const FRAME4_V3 = hex('45c0 0024 0001 0000 ff70 cf94 0a01 0101 e000 0012 310b 6402 0032 685e 0a01 0165 0a01 0166');
const FRAME11_V3_UNICAST = hex('45c0 0020 0001 0000 ff70 a4a8 0a01 0101 0a01 0102 310c c801 0064 e4a4 0a01 0167');
const FRAME23_V2_PRIO0 = hex('45c0 0028 0006 0000 ff70 cf8b 0a01 0101 e000 0012 210a 0001 0101 6510 0a01 0164 7365 6372 6574 3132');
const FRAME25_V3_UNICAST_PRIO0 = hex('45c0 0020 0003 0000 ff70 a4a6 0a01 0101 0a01 0102 310c 0001 0064 aca5 0a01 0167');
// IPv6 payload of frame 14 (src fe80::d8e4:2eff:fef7:947a, dst ff02::12).
const FRAME14_V6 = hex('310d 9602 0064 72a7 fe80 0000 0000 0000 0000 0000 0000 0013 2001 0db8 0000 0000 0000 0000 0000 0013');
const FRAME26_V6_PRIO0 = hex('310d 0002 0064 08a8 fe80 0000 0000 0000 0000 0000 0000 0013 2001 0db8 0000 0000 0000 0000 0000 0013');

test('v2 PASS advert (frame 1) decodes and re-encodes', () => {
  const r = decodeIpv4Advert(FRAME1_V2_PASS);
  assert.ok(r.ok);
  const v = r.advert.vrrp;
  assert.deepEqual({ version: v.version, vrid: v.vrid, priority: v.priority, authType: v.authType, adv: v.advertInterval, addrs: v.addresses },
    { version: 2, vrid: 10, priority: 255, authType: 1, adv: 1, addrs: ['10.1.1.100'] });
  assert.equal(v.authData?.toString(), 'secret12');
  const enc = encodeIpv4Advert({ version: 2, family: 'inet', vrid: 10, priority: 255, advertInterval: 1, addresses: ['10.1.1.100'], auth: { type: 'pass', password: 'secret12' } },
    { src: '10.1.1.1', dst: '224.0.0.18', id: 1 });
  assert.deepEqual(enc, FRAME1_V2_PASS);
  const shut = encodeIpv4Advert({ version: 2, family: 'inet', vrid: 10, priority: 0, advertInterval: 1, addresses: ['10.1.1.100'], auth: { type: 'pass', password: 'secret12' } },
    { src: '10.1.1.1', dst: '224.0.0.18', id: 6 });
  assert.deepEqual(shut, FRAME23_V2_PRIO0);
});

test('v3 IPv4 multicast advert (frame 4): 50 cs, checksum over the pseudo-header', () => {
  const enc = encodeIpv4Advert({ version: 3, family: 'inet', vrid: 11, priority: 100, advertInterval: 50, addresses: ['10.1.1.101', '10.1.1.102'] },
    { src: '10.1.1.1', dst: '224.0.0.18', id: 1 });
  assert.deepEqual(enc, FRAME4_V3);
  // The inventory's cross-check: without the pseudo-header the frame does not sum to zero.
  const pdu = FRAME4_V3.subarray(20);
  assert.notEqual(internetChecksum(pdu), 0);
  assert.equal(internetChecksum(ipv4PseudoHeader('10.1.1.1', '224.0.0.18', 112, pdu.length), pdu), 0);
  // v3_checksum_as_v2 leaves the pseudo-header out.
  const asV2 = encodeIpv4Advert({ version: 3, family: 'inet', vrid: 11, priority: 100, advertInterval: 50, addresses: ['10.1.1.101', '10.1.1.102'] },
    { src: '10.1.1.1', dst: '224.0.0.18', id: 1, v3ChecksumAsV2: true });
  assert.equal(internetChecksum(asV2.subarray(20)), 0);
});

test('v3 unicast advert (frames 11, 25): pseudo-header uses the peer address', () => {
  const f = { version: 3 as const, family: 'inet' as const, vrid: 12, priority: 200, advertInterval: 100, addresses: ['10.1.1.103'] };
  assert.deepEqual(encodeIpv4Advert(f, { src: '10.1.1.1', dst: '10.1.1.2', id: 1 }), FRAME11_V3_UNICAST);
  assert.deepEqual(encodeIpv4Advert({ ...f, priority: 0 }, { src: '10.1.1.1', dst: '10.1.1.2', id: 3 }), FRAME25_V3_UNICAST_PRIO0);
  const pdu = FRAME11_V3_UNICAST.subarray(20);
  assert.notEqual(internetChecksum(ipv4PseudoHeader('10.1.1.1', '224.0.0.18', 112, pdu.length), pdu), 0);
  assert.equal(internetChecksum(ipv4PseudoHeader('10.1.1.1', '10.1.1.2', 112, pdu.length), pdu), 0);
});

test('v3 IPv6 advert (frames 14, 26)', () => {
  const r = decodeIpv6Advert(FRAME14_V6);
  assert.ok(r.ok);
  assert.deepEqual(r.advert.vrrp.addresses, ['fe80::13', '2001:db8::13']);
  assert.equal(r.advert.vrrp.advertInterval, 100);
  const f = { version: 3 as const, family: 'inet6' as const, vrid: 13, priority: 150, advertInterval: 100, addresses: ['fe80::13', '2001:db8::13'] };
  const o = { src: 'fe80::d8e4:2eff:fef7:947a', dst: 'ff02::12' };
  assert.deepEqual(encodeIpv6Advert(f, o), FRAME14_V6);
  assert.deepEqual(encodeIpv6Advert({ ...f, priority: 0 }, o), FRAME26_V6_PRIO0);
  // Left to the kernel: checksum field zero.
  assert.equal(encodeIpv6Advert(f, { ...o, checksum: false }).readUInt16BE(6), 0);
});
