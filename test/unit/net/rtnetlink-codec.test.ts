import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessages } from '../../../src/net/netlink/message.js';
import { decodeLink, encodeNewMacvlan, encodeSetAddrGenMode, encodeSetLinkUp, encodeGetLink } from '../../../src/net/rtnetlink/link.js';
import { decodeAddress, encodeDelAddress, encodeNewAddress } from '../../../src/net/rtnetlink/address.js';
import { decodeRoute, encodeDelRoute, encodeNewRoute } from '../../../src/net/rtnetlink/route.js';
import { decodeRule, encodeDelRule, encodeNewRule } from '../../../src/net/rtnetlink/rule.js';
import { decodeFamily } from '../../../src/net/genetlink.js';
import { RtmType } from '../../../src/net/rtnetlink/constants.js';
import { KERNEL_REPLIES } from './kernel-replies.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const kernel = (k: keyof typeof KERNEL_REPLIES) => {
  const [m] = decodeMessages(hex(KERNEL_REPLIES[k]));
  return m!;
};

test('RTM_NEWADDR for an IPv4 VIP with broadcast and label, byte for byte', () => {
  assert.deepEqual(
    encodeNewAddress({ address: '10.0.0.1/24', index: 2, broadcast: '+', label: 'eth0:vip' }),
    hex(
      '02 18 00 00 02000000' + // AF_INET, /24, flags 0, scope global, ifindex 2
        '0800 0200 0a000001' + // IFA_LOCAL
        '0800 0100 0a000001' + // IFA_ADDRESS
        '0800 0400 0a0000ff' + // IFA_BROADCAST
        '0d00 0300 657468303a76697000 000000', // IFA_LABEL "eth0:vip"
    ),
  );
});

test('RTM_NEWADDR for IPv6 with nodad and noprefixroute carries all flag bits in IFA_FLAGS', () => {
  const local = 'fd000000000000000000000000000001';
  assert.deepEqual(
    encodeNewAddress({ address: 'fd00::1/64', index: 3, flags: ['nodad', 'noprefixroute'] }),
    hex(`0a 40 02 00 03000000  1400 0200 ${local}  1400 0100 ${local}  0800 0800 02020000`),
  );
  assert.deepEqual(encodeDelAddress({ address: '10.0.0.1/24', index: 2 }), hex('02 18 00 00 02000000 0800 0200 0a000001 0800 0100 0a000001'));
  assert.throws(() => encodeNewAddress({ address: 'fd00::1/64', index: 3, broadcast: '+' }), /IPv4 only/);
});

test('RTM_NEWLINK creating a private-mode macvlan with a VRRP MAC, byte for byte', () => {
  assert.deepEqual(
    encodeNewMacvlan({ name: 'vrrp.51', parentIndex: 2, mac: '00:00:5e:00:01:33', mode: 'private', up: true }),
    hex(
      '00 00 0000 00000000 01000000 01000000' + // ifinfomsg: index 0, flags UP, change UP
        '0c00 0300 767272702e353100' + // IFLA_IFNAME "vrrp.51"
        '0800 0500 02000000' + // IFLA_LINK 2
        '0a00 0100 00005e000133 0000' + // IFLA_ADDRESS
        '1c00 1280 0c00 0100 6d6163766c616e00 0c00 0280 0800 0100 01000000', // LINKINFO{KIND, DATA{MODE private}}
    ),
  );
  assert.deepEqual(encodeSetLinkUp(7, false), hex('00 00 0000 07000000 00000000 01000000'));
  // IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE none } }
  assert.deepEqual(encodeSetAddrGenMode(7, 'none'), hex('00 00 0000 07000000 00000000 00000000  1000 1a80 0c00 0a80 0500 0800 01 000000'));
  assert.equal(decodeLink(encodeSetAddrGenMode(7, 'none')).addrGenMode, 'none');
  assert.deepEqual(encodeGetLink('eth0'), hex('00 00 0000 00000000 00000000 00000000 0900 0300 6574683000 000000'));
});

test('RTM_NEWROUTE via a gateway in table 100, and its delete matching any scope', () => {
  const spec = { destination: '10.50.0.0/16', gateway: '10.0.0.254', device: 2, table: 100, metric: 5, protocol: 'keepalived' as const };
  const attrs = '0800 0100 0a320000  0800 0f00 64000000  0800 0600 05000000  0800 0500 0a0000fe  0800 0400 02000000';
  // AF_INET, /16, tos 0, table 100, proto keepalived (18), scope global, unicast, flags 0
  assert.deepEqual(encodeNewRoute(spec), hex(`02 10 00 00 64 12 00 01 00000000 ${attrs}`));
  assert.deepEqual(encodeDelRoute(spec), hex(`02 10 00 00 64 12 ff 00 00000000 ${attrs}`));
  // A device route is link scope; blackhole has no device and is global.
  assert.equal(encodeNewRoute({ destination: '10.1.0.0/16', device: 2 }).readUInt8(6), 253);
  const bh = encodeNewRoute({ destination: 'fd00:60::/32', type: 'blackhole' });
  assert.deepEqual([bh[0], bh[1], bh[6], bh[7]], [10, 32, 0, 6]);
  assert.equal(encodeNewRoute({ destination: '192.168.7.0/24', gateway: '192.168.99.1', onlink: true }).readUInt32LE(8), 4);
});

test('RTM_NEWRULE for fwmark/mask lookup 200, and a delete leaving action unspecified', () => {
  assert.deepEqual(
    encodeNewRule({ fwmark: 0x10, fwmask: 0xff, table: 200, priority: 1001 }),
    hex('02 00 00 00 c8 00 00 01 00000000  0800 0600 e9030000  0800 0f00 c8000000  0800 0a00 10000000  0800 1000 ff000000'),
  );
  assert.deepEqual(encodeDelRule({ priority: 1001 }), hex('02 00 00 00 00 00 00 00 00000000  0800 0600 e9030000'));
  const inv = encodeNewRule({ from: 'fd00::/64', to: 'fd01::/48', invert: true, iif: 'eth0' });
  assert.deepEqual([inv[0], inv[1], inv[2], inv.readUInt32LE(8)], [10, 48, 64, 2]);
  assert.throws(() => encodeNewRule({ from: '10.0.0.0/8', to: 'fd00::/8' }), /mixes IPv4 and IPv6/);
});

test('a real RTM_NEWLINK for a veth decodes to its name, state, MAC, MTU and kind', () => {
  const m = kernel('newlink_eth0');
  assert.equal(m.type, RtmType.NEWLINK);
  const l = decodeLink(m.payload);
  assert.deepEqual([l.name, l.up, l.lowerUp, l.operState, l.mac, l.mtu, l.kind, l.hardwareType], ['eth0', true, true, 'up', '02:00:00:00:00:0a', 1500, 'veth', 1]);
});

test('real RTM_NEWADDR messages decode to what ip addr shows', () => {
  const v4 = decodeAddress(kernel('newaddr_v4').payload);
  assert.deepEqual([v4.family, v4.address, v4.prefixLength, v4.broadcast, v4.label, v4.scope], [4, '10.0.0.10', 24, '10.0.0.255', 'eth0:vip', 'global']);
  assert.ok(v4.flags.includes('permanent'));
  const v6 = decodeAddress(kernel('newaddr_v6').payload);
  assert.deepEqual([v6.family, v6.address, v6.prefixLength, v6.scope], [6, 'fd00::10', 64, 'global']);
  assert.ok(v6.flags.includes('nodad') && v6.flags.includes('permanent'), v6.flags.join(','));
  assert.equal(v6.validLifetime, 0xffffffff);
});

test('a real RTM_NEWROUTE and RTM_NEWRULE decode to their fields', () => {
  const r = decodeRoute(kernel('newroute_via').payload);
  assert.deepEqual([r.destination, r.table, r.gateway, r.metric, r.protocol, r.type, r.scope], ['10.50.0.0/16', 100, '10.0.0.254', 5, 'keepalived', 'unicast', 'global']);
  const rule = decodeRule(kernel('newrule_fwmark').payload);
  assert.deepEqual([rule.priority, rule.fwmark, rule.fwmask, rule.table, rule.action, rule.invert], [1001, 0x10, 0xff, 200, 'lookup', false]);
});

test('a real CTRL_CMD_NEWFAMILY reply decodes to the family id and its multicast groups', () => {
  const f = decodeFamily(kernel('genl_nlctrl').payload);
  assert.deepEqual([f.id, f.name, f.version], [16, 'nlctrl', 2]);
  assert.equal(f.groups.get('notify'), 16);
});

test('route metrics go nested in RTA_METRICS, multipath paths as rtnexthop records', () => {
  const b = encodeNewRoute({
    destination: '10.8.0.0/16',
    metrics: { mtu: 1400, advmss: 1360, locked: ['mtu'], ecn: true, congctl: 'cubic' },
    nexthops: [
      { gateway: '10.0.0.1', device: 2, weight: 1 },
      { gateway: '10.0.1.1', device: 3, weight: 3 },
    ],
  });
  assert.equal(b.readUInt8(6), 0, 'a route through gateways is global scope');
  const tail = b.subarray(12 + 8 + 8).toString('hex'); // after rtmsg, RTA_DST, RTA_TABLE
  assert.equal(
    tail,
    // RTA_METRICS (nested): LOCK 1<<2, MTU 1400, ADVMSS 1360, FEATURES ecn, CC_ALGO "cubic"
    '3000' + '0880' + '08000100' + '04000000' + '08000200' + '78050000' + '08000800' + '50050000' + '08000c00' + '01000000' + '0a001000' + '637562696300' + '0000' +
      // RTA_MULTIPATH: two rtnexthop {len 16, flags 0, hops weight-1, ifindex} + RTA_GATEWAY
      '2400' + '0900' + '1000' + '00' + '00' + '02000000' + '08000500' + '0a000001' + '1000' + '00' + '02' + '03000000' + '08000500' + '0a000101',
  );
  const decoded = decodeRoute(b);
  assert.deepEqual(decoded.metrics, { mtu: 1400, advmss: 1360, locked: ['mtu'], ecn: true, congctl: 'cubic' });
  assert.deepEqual(decoded.nexthops, [
    { gateway: '10.0.0.1', device: 2, weight: 1 },
    { gateway: '10.0.1.1', device: 3, weight: 3 },
  ]);
});
