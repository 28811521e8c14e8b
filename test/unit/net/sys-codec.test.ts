import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCmsg, decodeSockAddr, encodeCmsg, encodeSockAddr, type Cmsg, type SockAddr } from '../../../src/net/sys.js';
import { bytesToIpv6, ipv6ToBytes } from '../../../src/net/inet-address.js';
import * as C from '../../../src/net/constants.js';

test('sockaddr_in is 16 bytes: host-order family, network-order port and address', () => {
  const b = encodeSockAddr({ family: 'inet', address: '224.0.0.18', port: 0x1234 });
  assert.equal(b.toString('hex'), '02001234e000001200000000' + '00000000');
  assert.deepEqual(decodeSockAddr(b), { family: 'inet', address: '224.0.0.18', port: 0x1234 });
});

test('sockaddr_in6, sockaddr_ll and sockaddr_nl round-trip', () => {
  const addrs: SockAddr[] = [
    { family: 'inet6', address: 'fe80::a47f:32ff:fe7b:88fa', port: 0, scopeId: 7 },
    { family: 'packet', ifindex: 3, protocol: C.ETH_P_ARP, hatype: 1, pkttype: 1, address: Buffer.from('ffffffffffff', 'hex') },
    { family: 'netlink', pid: 4242, groups: 5 },
  ];
  for (const a of addrs) assert.deepEqual(decodeSockAddr(encodeSockAddr(a)), a);
  assert.equal(encodeSockAddr(addrs[0]!).length, 28);
  // sll_protocol is network order: 08 06 for ARP.
  assert.equal(encodeSockAddr(addrs[1]!).subarray(2, 4).toString('hex'), '0806');
});

test('cmsgs become the kernel structs and back', () => {
  const cm: Cmsg[] = [
    { kind: 'ip_pktinfo', ifindex: 2, specDst: '10.0.0.1', addr: '224.0.0.18' },
    { kind: 'ip_ttl', ttl: 255 },
    { kind: 'ipv6_pktinfo', ifindex: 4, addr: 'ff02::12' },
    { kind: 'ipv6_hoplimit', hopLimit: 255 },
    { kind: 'raw', level: 1, type: 99, data: Buffer.from([1, 2]) },
  ];
  for (const c of cm) assert.deepEqual(decodeCmsg(encodeCmsg(c)), c);
  const six = encodeCmsg({ kind: 'ipv6_pktinfo', ifindex: 4, addr: 'ff02::12' });
  assert.equal(six.level, C.SOL_IPV6);
  assert.equal(six.type, C.IPV6_PKTINFO);
  assert.equal(six.data.length, 20);
});

test('IPv6 text is RFC 5952 compressed', () => {
  assert.equal(bytesToIpv6(ipv6ToBytes('2001:0db8:0:0:0:0:0:13')), '2001:db8::13');
  assert.equal(bytesToIpv6(ipv6ToBytes('1:0:0:2:0:0:0:3')), '1:0:0:2::3');
  assert.equal(bytesToIpv6(ipv6ToBytes('::')), '::');
  assert.equal(bytesToIpv6(ipv6ToBytes('1:0:2:0:3:0:4:0')), '1:0:2:0:3:0:4:0');
  assert.equal(bytesToIpv6(ipv6ToBytes('::ffff:10.0.0.1')), '::ffff:10.0.0.1');
  assert.equal(bytesToIpv6(ipv6ToBytes('fe80::1%eth0')), 'fe80::1');
  assert.throws(() => ipv6ToBytes('fe80:::1'), /not an IPv6 address/);
});
