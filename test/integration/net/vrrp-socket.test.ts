// VRRP over real raw sockets between two namespaces on one bridge: what one sends, the
// other receives with TTL/hop limit 255, the right addresses and arrival interface.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable, waitFor, type Netns } from '../../lib/netns.js';
import { runAgent, startAgent } from '../../lib/net-agent-client.js';
import { monotonicNowUs, nativeUnavailable } from '../../../src/net/sys.js';
import { onesComplementSum } from '../../../src/net/checksum.js';
import { ipv6ToBytes } from '../../../src/net/inet-address.js';

const skip = labUnavailable() ?? nativeUnavailable();

// VRRP PDUs from the keepalived 2.2.7 capture (golden-packets.md frames 4 and 14); the
// transport carries them as opaque bytes.
const V3_IPV4 = '310b6402003268 5e0a0101650a010166'.replace(/ /g, '');
// IPv6 frame 14 with its checksum zeroed: the kernel must fill it in (IPV6_CHECKSUM).
const V3_IPV6 = '310d96020064' + '0000' + 'fe800000000000000000000000000013' + '20010db8000000000000000000000013';

let lab: Lab;
let a: Netns;
let b: Netns;
let bIfindex: number;
let aLinkLocal: string;

async function ifindex(ns: Netns, ifname: string): Promise<number> {
  return (JSON.parse(await ns.ip('-j', 'link', 'show', 'dev', ifname)) as Array<{ ifindex: number }>)[0]!.ifindex;
}

/** The interface's link-local address once DAD has finished with it. */
async function linkLocal(ns: Netns, ifname: string): Promise<string> {
  return waitFor(`a usable link-local address on ${ifname}`, async () => {
    const info = JSON.parse(await ns.ip('-j', '-6', 'addr', 'show', 'dev', ifname, 'scope', 'link')) as Array<{ addr_info: Array<{ local?: string; tentative?: boolean }> }>;
    return info[0]?.addr_info.find((x) => x.local && !x.tentative)?.local;
  });
}

before(async () => {
  if (skip) return;
  lab = await Lab.create();
  a = await lab.addHost('a', { addrs: ['10.201.0.1/24', 'fd00:201::1/64'] });
  b = await lab.addHost('b', { addrs: ['10.201.0.2/24', 'fd00:201::2/64'] });
  bIfindex = await ifindex(b, 'eth0');
  aLinkLocal = await linkLocal(a, 'eth0');
  await linkLocal(b, 'eth0');
});

after(async () => {
  await lab?.cleanup();
});

test('IPv4 multicast advert: received with TTL 255, group destination, our IP header', { skip }, async () => {
  const rx = startAgent(b, { op: 'vrrp-recv', socket: { ifname: 'eth0', family: 'inet' }, count: 1 });
  await rx.line('receiver ready', (l) => l.ready === true);
  const tx = await runAgent(a, { op: 'vrrp-send', socket: { ifname: 'eth0', family: 'inet' }, sends: [{ payloadHex: V3_IPV4, src: '10.201.0.1', dst: '224.0.0.18', id: 7 }] });
  assert.equal(tx.code, 0, JSON.stringify(tx));
  const p = (await rx.line('the advert', (l) => l.packet !== undefined)).packet;
  assert.equal(p.payload, V3_IPV4);
  assert.equal(p.src, '10.201.0.1');
  assert.equal(p.dst, '224.0.0.18');
  assert.equal(p.ttl, 255);
  assert.equal(p.protocol, 112);
  assert.equal(p.ifindex, bIfindex);
  // 45 c0 | length | id 7 | no DF | TTL ff | proto 70: keepalived's header.
  assert.match(p.ipHeader, /^45c0002400070000ff70[0-9a-f]{4}0ac90001e0000012$/);
});

test('an advert is timed from its arrival (the kernel\'s stamp), not from when the receiver read it', { skip }, async () => {
  const rx = startAgent(b, { op: 'vrrp-recv', socket: { ifname: 'eth0', family: 'inet' }, count: 1, readOnGo: true });
  await rx.line('receiver ready', (l) => l.ready === true);
  const tx = await runAgent(a, { op: 'vrrp-send', socket: { ifname: 'eth0', family: 'inet' }, sends: [{ payloadHex: V3_IPV4, src: '10.201.0.1', dst: '224.0.0.18' }] });
  assert.equal(tx.code, 0, JSON.stringify(tx));
  const sentBy = monotonicNowUs();
  // The advert waits in the receiver's socket for at least 300 ms before it is read.
  await new Promise((r) => setTimeout(r, 300));
  rx.child.stdin!.write('go\n');
  const got = await rx.line('the advert', (l) => l.packet !== undefined);
  assert.equal(got.packet.payload, V3_IPV4);
  assert.ok(got.packet.at <= sentBy, `stamped ${got.packet.at}, after the sender had finished (${sentBy})`);
  assert.ok(got.readAt - got.packet.at >= 300_000, `read ${got.readAt - got.packet.at} µs after its stamp`);
});

test('IPv4 unicast advert to a peer: received on the unicast socket with TTL 255', { skip }, async () => {
  const rx = startAgent(b, { op: 'vrrp-recv', socket: { ifname: 'eth0', family: 'inet', unicastSrc: '10.201.0.2' }, count: 1 });
  await rx.line('receiver ready', (l) => l.ready === true);
  const tx = await runAgent(a, { op: 'vrrp-send', socket: { ifname: 'eth0', family: 'inet', unicastSrc: '10.201.0.1' }, sends: [{ payloadHex: V3_IPV4, src: '10.201.0.1', dst: '10.201.0.2' }] });
  assert.equal(tx.code, 0, JSON.stringify(tx));
  const p = (await rx.line('the advert', (l) => l.packet !== undefined)).packet;
  assert.deepEqual([p.payload, p.src, p.dst, p.ttl, p.ifindex], [V3_IPV4, '10.201.0.1', '10.201.0.2', 255, bIfindex]);
  // The transport's own id counter starts at 1.
  assert.equal(p.ipHeader.slice(8, 12), '0001');
});

function vrrpIpv6ChecksumOk(src: string, dst: string, payloadHex: string): boolean {
  const payload = Buffer.from(payloadHex, 'hex');
  const pseudo = Buffer.alloc(8);
  pseudo.writeUInt32BE(payload.length, 0);
  pseudo[7] = 112;
  return onesComplementSum([ipv6ToBytes(src), ipv6ToBytes(dst), pseudo, payload]) === 0xffff;
}

test('IPv6 multicast advert from the link-local address: hop limit 255, kernel checksum', { skip }, async () => {
  const rx = startAgent(b, { op: 'vrrp-recv', socket: { ifname: 'eth0', family: 'inet6' }, count: 1 });
  await rx.line('receiver ready', (l) => l.ready === true);
  const tx = await runAgent(a, { op: 'vrrp-send', socket: { ifname: 'eth0', family: 'inet6' }, sends: [{ payloadHex: V3_IPV6, src: aLinkLocal, dst: 'ff02::12' }] });
  assert.equal(tx.code, 0, JSON.stringify(tx));
  const p = (await rx.line('the advert', (l) => l.packet !== undefined)).packet;
  assert.deepEqual([p.src, p.dst, p.ttl, p.ifindex, p.protocol], [aLinkLocal, 'ff02::12', 255, bIfindex, 112]);
  assert.equal(p.payload.slice(0, 12), V3_IPV6.slice(0, 12));
  assert.equal(p.payload.slice(16), V3_IPV6.slice(16));
  assert.notEqual(p.payload.slice(12, 16), '0000', 'the sending kernel filled in the checksum');
  assert.ok(vrrpIpv6ChecksumOk(p.src, p.dst, p.payload), 'checksum over the IPv6 pseudo-header');
});

test('IPv6 unicast advert between global addresses, hop limit as asked', { skip }, async () => {
  const rx = startAgent(b, { op: 'vrrp-recv', socket: { ifname: 'eth0', family: 'inet6', unicastSrc: 'fd00:201::2' }, count: 2 });
  await rx.line('receiver ready', (l) => l.ready === true);
  const sends = [
    { payloadHex: V3_IPV6, src: 'fd00:201::1', dst: 'fd00:201::2' },
    { payloadHex: V3_IPV6, src: 'fd00:201::1', dst: 'fd00:201::2', ttl: 64 },
  ];
  const tx = await runAgent(a, { op: 'vrrp-send', socket: { ifname: 'eth0', family: 'inet6', unicastSrc: 'fd00:201::1' }, sends });
  assert.equal(tx.code, 0, JSON.stringify(tx));
  await rx.line('both adverts', (l) => l.done === true);
  const got = rx.lines.filter((l) => l.packet).map((l) => l.packet);
  assert.deepEqual(got.map((p) => [p.src, p.dst, p.ttl, p.ifindex]), [
    ['fd00:201::1', 'fd00:201::2', 255, bIfindex],
    ['fd00:201::1', 'fd00:201::2', 64, bIfindex],
  ]);
  assert.ok(vrrpIpv6ChecksumOk(got[0].src, got[0].dst, got[0].payload));
});

test('a multicast receiver does not get unicast adverts', { skip }, async () => {
  const rx = startAgent(b, { op: 'vrrp-recv', socket: { ifname: 'eth0', family: 'inet' }, count: 1 });
  await rx.line('receiver ready', (l) => l.ready === true);
  const tx = await runAgent(a, {
    op: 'vrrp-send',
    socket: { ifname: 'eth0', family: 'inet' },
    sends: [
      { payloadHex: 'aa', src: '10.201.0.1', dst: '10.201.0.2' },
      { payloadHex: 'bb', src: '10.201.0.1', dst: '224.0.0.18' },
    ],
  });
  assert.equal(tx.code, 0, JSON.stringify(tx));
  const p = (await rx.line('the multicast advert', (l) => l.packet !== undefined)).packet;
  // The unicast one was sent first; the first delivered is the multicast one.
  assert.equal(p.payload, 'bb');
});

test('kernel refusals surface with code and syscall', { skip }, async () => {
  const noDev = await runAgent(a, { op: 'vrrp-send', socket: { ifname: 'nosuch0', family: 'inet' }, sends: [] });
  assert.equal(noDev.code, 1);
  assert.deepEqual([noDev.lines[0]?.error?.code, noDev.lines[0]?.error?.syscall], ['ENODEV', 'if_nametoindex']);
  const notLocal = await runAgent(a, { op: 'vrrp-recv', socket: { ifname: 'eth0', family: 'inet', unicastSrc: '10.201.0.99' }, count: 1 });
  assert.deepEqual([notLocal.lines[0]?.error?.code, notLocal.lines[0]?.error?.syscall], ['EADDRNOTAVAIL', 'bind']);
});

test('without CAP_NET_RAW, opening a VRRP socket fails with EPERM from socket()', { skip: skip ?? labUnavailable(['setpriv']) }, async () => {
  const r = await runAgent(a, { op: 'vrrp-send', socket: { ifname: 'eth0', family: 'inet' }, sends: [] }, ['setpriv', '--inh-caps=-net_raw', '--bounding-set=-net_raw']);
  assert.equal(r.code, 1, JSON.stringify(r));
  assert.deepEqual([r.lines[0]?.error?.code, r.lines[0]?.error?.syscall], ['EPERM', 'socket']);
  assert.match(r.lines[0]?.error?.message, /^EPERM: Operation not permitted, socket$/);
});
