// The VRRP transport against fake sockets: the options keepalived sets, what send() hands
// the kernel, and how received datagrams become packets (or are dropped, never thrown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from '../../../src/net/constants.js';
import { openVrrpSocket, type VrrpPacket, type VrrpSocketSystem } from '../../../src/net/vrrp-socket.js';
import { makeSysError, type Cmsg, type NativeSocketLike, type ReceivedMessage, type SockAddr } from '../../../src/net/sys.js';
import { VRRP_V4_FRAMES } from './golden-frames.js';

type Call = [string, ...unknown[]];

class FakeSocket implements NativeSocketLike {
  static next = 10;
  readonly fd = FakeSocket.next++;
  calls: Call[] = [];
  handler: ((m: ReceivedMessage) => void) | undefined;
  failOn: number | undefined;
  closed = false;
  constructor(readonly domain: number, readonly protocol: number) {}
  bind(addr: SockAddr): void {
    this.calls.push(['bind', addr]);
  }
  connect(addr: SockAddr): void {
    this.calls.push(['connect', addr]);
  }
  setsockopt(level: number, name: number, value: number | Buffer): void {
    if (name === this.failOn) throw makeSysError('ENODEV', 19, 'setsockopt');
    this.calls.push(['setsockopt', level, name, Buffer.isBuffer(value) ? value.toString('hex') : value]);
  }
  getsockopt(): Buffer {
    return Buffer.alloc(4);
  }
  send(data: Buffer | Buffer[], to?: SockAddr, cmsgs?: Cmsg[], flags?: number): number {
    this.calls.push(['send', Buffer.concat(Array.isArray(data) ? data : [data]).toString('hex'), to, cmsgs, flags]);
    return 0;
  }
  recv(): ReceivedMessage | undefined {
    return undefined;
  }
  onMessage(handler: (m: ReceivedMessage) => void): void {
    this.handler = handler;
  }
  close(): void {
    this.closed = true;
  }
}

function fakeSystem(failOn?: { socket: number; option: number }): { sys: VrrpSocketSystem; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    sys: {
      openSocket(domain, _type, protocol) {
        const s = new FakeSocket(domain, protocol);
        if (failOn && sockets.length === failOn.socket) s.failOn = failOn.option;
        sockets.push(s);
        return s;
      },
      ifNameToIndex: (name) => (name === 'eth0' ? 4 : 0),
    },
  };
}

const opts = (s: FakeSocket) => s.calls.filter((c) => c[0] === 'setsockopt').map((c) => c.slice(1));

test('IPv4 multicast sockets are set up as keepalived sets them up', () => {
  const { sys, sockets } = fakeSystem();
  const t = openVrrpSocket({ ifname: 'eth0', family: 'inet' }, sys);
  assert.equal(t.ifindex, 4);
  const [tx, rx] = sockets as [FakeSocket, FakeSocket];
  assert.deepEqual([tx.domain, tx.protocol, rx.protocol], [C.AF_INET, 112, 112]);
  assert.deepEqual(opts(tx), [
    [C.SOL_SOCKET, C.SO_RCVBUF, 0],
    [C.SOL_IP, C.IP_MULTICAST_ALL, 0],
    [C.SOL_IP, C.IP_HDRINCL, 1],
    [C.SOL_IP, C.IP_TOS, 0xc0],
    [C.SOL_SOCKET, C.SO_BINDTODEVICE, Buffer.from('eth0\0').toString('hex')],
    [C.SOL_IP, C.IP_MULTICAST_IF, '00000000' + '00000000' + '04000000'],
    [C.SOL_IP, C.IP_MULTICAST_LOOP, 0],
  ]);
  assert.deepEqual(rx.calls, [
    // Ours, not keepalived's: arrival stamps (adverts are timed from when they came).
    ['setsockopt', C.SOL_SOCKET, C.SO_TIMESTAMPNS, 1],
    ['setsockopt', C.SOL_IP, C.IP_MULTICAST_ALL, 0],
    ['setsockopt', C.SOL_IP, C.IP_PKTINFO, 1],
    ['setsockopt', C.SOL_IP, C.IP_ADD_MEMBERSHIP, 'e0000012' + '00000000' + '04000000'],
    ['bind', { family: 'inet', address: '224.0.0.18' }],
    ['setsockopt', C.SOL_SOCKET, C.SO_BINDTODEVICE, Buffer.from('eth0\0').toString('hex')],
  ]);
});

test('IPv4 send: our header + payload, MSG_DONTROUTE only for multicast, ids from 1', () => {
  const { sys, sockets } = fakeSystem();
  const t = openVrrpSocket({ ifname: 'eth0', family: 'inet' }, sys);
  const frame = VRRP_V4_FRAMES['frame 4 (v3 multicast, id 1)']!;
  t.send(frame.subarray(34), { src: '10.1.1.1', dst: '224.0.0.18' });
  t.send(Buffer.from('aa', 'hex'), { src: '10.1.1.1', dst: '10.1.1.2', ttl: 10, id: 99 });
  const sends = sockets[0]!.calls.filter((c) => c[0] === 'send');
  assert.deepEqual(sends[0], ['send', frame.subarray(14).toString('hex'), { family: 'inet', address: '224.0.0.18' }, undefined, C.MSG_DONTROUTE]);
  const second = Buffer.from(sends[1]![1] as string, 'hex');
  assert.deepEqual([second.readUInt16BE(4), second[8], sends[1]![4]], [99, 10, 0]);
});

test('IPv6 multicast: kernel checksum, traffic class, hop limit; send carries source and hop limit', () => {
  const { sys, sockets } = fakeSystem();
  const t = openVrrpSocket({ ifname: 'eth0', family: 'inet6' }, sys);
  const [tx, rx] = sockets as [FakeSocket, FakeSocket];
  assert.deepEqual(opts(tx).slice(0, 4), [
    [C.SOL_SOCKET, C.SO_RCVBUF, 0],
    [C.SOL_IPV6, C.IPV6_CHECKSUM, 6],
    [C.SOL_IPV6, C.IPV6_TCLASS, 0xc0],
    [C.SOL_IPV6, C.IPV6_MULTICAST_HOPS, 255],
  ]);
  assert.ok(opts(tx).some((o) => o[1] === C.IPV6_MULTICAST_LOOP && o[2] === 0));
  assert.ok(opts(rx).some((o) => o[1] === C.IPV6_ADD_MEMBERSHIP && o[2] === 'ff020000000000000000000000000012' + '04000000'));
  assert.ok(opts(rx).some((o) => o[1] === C.IPV6_RECVHOPLIMIT) && opts(rx).some((o) => o[1] === C.IPV6_RECVPKTINFO) && opts(rx).some((o) => o[1] === C.IPV6_CHECKSUM));
  assert.deepEqual(rx.calls.find((c) => c[0] === 'bind'), ['bind', { family: 'inet6', address: '::1' }]);
  t.send(Buffer.from('31', 'hex'), { src: 'fe80::1', dst: 'ff02::12' });
  assert.deepEqual(tx.calls.at(-1), [
    'send',
    '31',
    { family: 'inet6', address: 'ff02::12', scopeId: 4 },
    [
      { kind: 'ipv6_pktinfo', addr: 'fe80::1', ifindex: 4 },
      { kind: 'ipv6_hoplimit', hopLimit: 255 },
    ],
    C.MSG_DONTROUTE,
  ]);
});

test('unicast: the receive socket binds the source and joins no group', () => {
  const { sys, sockets } = fakeSystem();
  openVrrpSocket({ ifname: 'eth0', family: 'inet6', unicastSrc: 'fe80::1' }, sys);
  const [tx, rx] = sockets as [FakeSocket, FakeSocket];
  assert.ok(!opts(rx).some((o) => o[1] === C.IPV6_ADD_MEMBERSHIP));
  assert.ok(!opts(tx).some((o) => o[1] === C.IPV6_MULTICAST_HOPS));
  // A link-local source needs its interface as scope.
  assert.deepEqual(rx.calls.find((c) => c[0] === 'bind'), ['bind', { family: 'inet6', address: 'fe80::1', scopeId: 4 }]);
});

test('received datagrams become packets; junk is counted and dropped', () => {
  const { sys, sockets } = fakeSystem();
  const t = openVrrpSocket({ ifname: 'eth0', family: 'inet' }, sys);
  const got: VrrpPacket[] = [];
  t.onPacket((p) => got.push(p));
  const deliver = sockets[1]!.handler!;
  const frame = VRRP_V4_FRAMES['frame 1 (v2 PASS, id 1)']!;
  deliver({ data: frame.subarray(14), cmsgs: [{ kind: 'ip_pktinfo', ifindex: 4, specDst: '224.0.0.18', addr: '224.0.0.18' }], truncated: false });
  deliver({ data: Buffer.from('0102', 'hex'), cmsgs: [], truncated: false });
  const wrongProto = Buffer.from(frame.subarray(14));
  wrongProto[9] = 51;
  deliver({ data: wrongProto, cmsgs: [], truncated: false });
  assert.equal(got.length, 1);
  assert.equal(t.dropped, 2);
  const p = got[0]!;
  assert.deepEqual([p.src, p.dst, p.ttl, p.ifindex, p.protocol], ['10.1.1.1', '224.0.0.18', 255, 4, 112]);
  assert.deepEqual(p.payload, frame.subarray(34));
  assert.deepEqual(p.ipHeader, frame.subarray(14, 34));
});

test('IPv6 packets come from the source address and ancillary data', () => {
  const { sys, sockets } = fakeSystem();
  const t = openVrrpSocket({ ifname: 'eth0', family: 'inet6' }, sys);
  const got: VrrpPacket[] = [];
  t.onPacket((p) => got.push(p));
  const deliver = sockets[1]!.handler!;
  deliver({
    data: Buffer.from('310d', 'hex'),
    from: { family: 'inet6', address: 'fe80::2', scopeId: 4 },
    cmsgs: [
      { kind: 'ipv6_hoplimit', hopLimit: 254 },
      { kind: 'ipv6_pktinfo', addr: 'ff02::12', ifindex: 4 },
    ],
    truncated: false,
  });
  deliver({ data: Buffer.from('31', 'hex'), from: { family: 'inet6', address: 'fe80::2' }, cmsgs: [], truncated: false });
  assert.deepEqual(got, [{ family: 'inet6', protocol: 112, payload: Buffer.from('310d', 'hex'), src: 'fe80::2', dst: 'ff02::12', ttl: 254, ifindex: 4 }]);
  assert.equal(t.dropped, 1);
});

test('a refused option closes both sockets and reports the error', () => {
  const { sys, sockets } = fakeSystem({ socket: 1, option: C.SO_BINDTODEVICE });
  assert.throws(() => openVrrpSocket({ ifname: 'eth0', family: 'inet' }, sys), { code: 'ENODEV', syscall: 'setsockopt' });
  assert.deepEqual(sockets.map((s) => s.closed), [true, true]);
  assert.throws(() => openVrrpSocket({ family: 'inet' }, sys), /needs an interface/);
});
