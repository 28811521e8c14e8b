import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeGratuitousArp } from '../../../src/net/arp.js';
import { encodeUnsolicitedNa } from '../../../src/net/ndp.js';
import { decodeIpv4Header, encodeIpv4Header, nextIpv4Id } from '../../../src/net/ipv4-header.js';
import { GARP_10_1_1_100, GARP_10_1_1_101, NA_FE80_13, SENDER_MAC, VRRP_V4_FRAMES } from './golden-frames.js';

test('gratuitous ARP is byte-for-byte keepalived\'s request form', () => {
  assert.deepEqual(encodeGratuitousArp({ ip: '10.1.1.100', mac: SENDER_MAC }), GARP_10_1_1_100);
  assert.deepEqual(encodeGratuitousArp({ ip: '10.1.1.101', mac: Buffer.from('dae42ef7947a', 'hex') }), GARP_10_1_1_101);
});

test('unsolicited NA matches keepalived\'s frame, checksum included', () => {
  assert.deepEqual(encodeUnsolicitedNa({ target: 'fe80::13', mac: SENDER_MAC }), NA_FE80_13);
});

test('the Router flag changes only the flags and the checksum', () => {
  const r = encodeUnsolicitedNa({ target: 'fe80::13', mac: SENDER_MAC, router: true });
  assert.equal(r.readUInt32BE(58), 0xa0000000);
  // Setting 0x8000 in one 16-bit word adds 0x8000 to the sum, so the checksum drops by it.
  assert.equal(r.readUInt16BE(56), 0xbb21 - 0x8000);
  assert.deepEqual(Buffer.concat([r.subarray(0, 56), r.subarray(62)]), Buffer.concat([NA_FE80_13.subarray(0, 56), NA_FE80_13.subarray(62)]));
});

test('the IPv4 header of every captured advert is rebuilt exactly', () => {
  for (const [name, frame] of Object.entries(VRRP_V4_FRAMES)) {
    const ip = frame.subarray(14, 34);
    const d = decodeIpv4Header(frame.subarray(14));
    assert.ok('header' in d, name);
    const h = d.header;
    assert.equal(h.tos, 0xc0, name);
    assert.equal(h.ttl, 255, name);
    assert.equal(h.dontFragment, false, name);
    const built = encodeIpv4Header({ src: h.src, dst: h.dst, id: h.id, payloadLength: frame.length - 34 });
    assert.deepEqual(built, ip, name);
  }
});

test('the IPv4 id counter starts at 1 and skips 0 when it wraps', () => {
  assert.equal(nextIpv4Id(0), 1);
  assert.equal(nextIpv4Id(1), 2);
  assert.equal(nextIpv4Id(0xffff), 1);
});

test('a short or non-IPv4 datagram is reported, not thrown', () => {
  assert.ok('error' in decodeIpv4Header(Buffer.alloc(10)));
  assert.ok('error' in decodeIpv4Header(Buffer.alloc(20, 0x60)));
  assert.ok('error' in decodeIpv4Header(Buffer.from([0x4f, ...Buffer.alloc(19)])));
});
