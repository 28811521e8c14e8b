import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetlinkConnection } from '../../../src/net/netlink/connection.js';
import { MessageFlag } from '../../../src/net/netlink/constants.js';
import { encodeDone, encodeErrorReply, encodeMessage, type NetlinkMessage } from '../../../src/net/netlink/message.js';
import { RtnetlinkClient } from '../../../src/net/rtnetlink.js';
import { LinkMonitor, type LinkEvent } from '../../../src/net/link-monitor.js';
import { genlRequest, resolveFamily, GENL_ID_CTRL } from '../../../src/net/genetlink.js';
import { RtmType, RtnlGroup } from '../../../src/net/rtnetlink/constants.js';
import { encodeIfInfo } from '../../../src/net/rtnetlink/link.js';
import { encodeNewAddress } from '../../../src/net/rtnetlink/address.js';
import { AttributeEncoder, Attributes } from '../../../src/net/netlink/attributes.js';
import { FakeNetlinkSocket } from '../../lib/fake-netlink.js';
import { KERNEL_REPLIES } from './kernel-replies.js';

/** An RTM_NEWLINK payload for a link named `name` at `index`. */
function linkPayload(index: number, name: string, flags: number): Buffer {
  return Buffer.concat([encodeIfInfo({ family: 0, type: 1, index, flags, change: 0 }), new AttributeEncoder().string(3, name).finish()]);
}

/** A fake kernel knowing one link, eth0 at index 2, with 10.0.0.10/24 on it. */
function fakeKernel(m: NetlinkMessage): Buffer[] {
  if (m.type === RtmType.GETLINK && (m.flags & MessageFlag.DUMP) === 0) {
    const name = Attributes.decode(m.payload.subarray(16)).string(3);
    if (name !== 'eth0' && m.payload.readInt32LE(4) !== 2) return [encodeErrorReply(m, 19)];
    return [encodeMessage({ type: RtmType.NEWLINK, flags: 0, seq: m.seq, pid: 99, payload: linkPayload(2, 'eth0', 0x11043) }), encodeErrorReply(m, 0)];
  }
  if (m.type === RtmType.GETLINK) return [encodeMessage({ type: RtmType.NEWLINK, flags: MessageFlag.MULTI, seq: m.seq, pid: 99, payload: linkPayload(2, 'eth0', 0x11043) }), encodeDone(m.seq, 99)];
  if (m.type === RtmType.NEWADDR) {
    const ip = m.payload.subarray(12, 16).join('.');
    return [encodeErrorReply(m, ip === '10.0.0.10' ? 17 : 0, ip === '10.0.0.10' ? 'ipv4: Address already assigned' : undefined)];
  }
  if (m.type === RtmType.GETADDR) {
    return [Buffer.concat([encodeMessage({ type: RtmType.NEWADDR, flags: MessageFlag.MULTI, seq: m.seq, pid: 99, payload: encodeNewAddress({ address: '10.0.0.10/24', index: 2, label: 'eth0' }) }), encodeDone(m.seq, 99)])];
  }
  return [encodeErrorReply(m, 0)];
}

test('adding an address that is there already says so in words', async () => {
  const c = new RtnetlinkClient(new NetlinkConnection(new FakeNetlinkSocket(fakeKernel)));
  await assert.rejects(c.addAddress({ link: 'eth0', address: '10.0.0.10/24' }), { message: 'adding address 10.0.0.10/24 on eth0: EEXIST (address already assigned)', code: 'EEXIST' });
  await assert.rejects(c.addAddress({ link: 'eth9', address: '10.0.0.1' }), { message: 'adding address 10.0.0.1/32 on eth9: ENODEV (no such interface)' });
  await assert.rejects(c.addAddress({ link: 'eth0', address: '10.0.0.1/40' }), /adding address 10.0.0.1\/40 on eth0: EINVAL \(".*": prefix length must be 0..32\)/);
});

test('a batch of address changes resolves each name once and sends every change in one datagram', async () => {
  const sock = new FakeNetlinkSocket(fakeKernel);
  const c = new RtnetlinkClient(new NetlinkConnection(sock, { batchSize: 64 }));
  const changes = Array.from({ length: 50 }, (_, i) => ({ op: 'add' as const, link: 'eth0', address: `10.0.1.${i + 1}/32` }));
  const results = await c.changeAddresses([...changes, { op: 'add', link: 'eth0', address: '10.0.0.10/24' }]);
  assert.equal(results.filter((r) => r.ok).length, 50);
  assert.ok(!results[50]!.ok);
  // One GETLINK for "eth0", then one datagram of 51 RTM_NEWADDR.
  assert.equal(sock.sent.length, 2);
  const adds = sock.requests.filter((r) => r.type === RtmType.NEWADDR);
  assert.equal(adds.length, 51);
  // Each asks for its own ack: what VRRP does after each VIP change follows the kernel's order.
  assert.ok(adds.every((r) => r.flags === (MessageFlag.REQUEST | MessageFlag.ACK | MessageFlag.CREATE | MessageFlag.EXCL)));
});

test('rehearsing address changes sends nothing and never throws on a bad one', async () => {
  const sock = new FakeNetlinkSocket(fakeKernel);
  const c = new RtnetlinkClient(new NetlinkConnection(sock));
  c.rehearseChangeAddresses([
    { op: 'add', link: 2, address: '10.0.1.1/24' },
    { op: 'add', link: 2, address: '10.0.1.1/40' },
    { op: 'add', link: 'eth0', address: 'fd00::1/64', flags: ['nodad'] },
  ]);
  await new Promise((r) => setImmediate(r));
  assert.equal(sock.sent.length, 0);
  // The same change made for real goes out as usual.
  assert.deepEqual(await c.changeAddresses([{ op: 'add', link: 2, address: '10.0.1.1/24' }]), [{ ok: true }]);
  assert.equal(sock.requests.filter((r) => r.type === RtmType.NEWADDR).length, 1);
});

test('listing addresses filters by link and decodes them', async () => {
  const c = new RtnetlinkClient(new NetlinkConnection(new FakeNetlinkSocket(fakeKernel)));
  const addrs = await c.addresses({ link: 'eth0' });
  assert.deepEqual(
    addrs.map((a) => [a.address, a.prefixLength, a.label]),
    [['10.0.0.10', 24, 'eth0']],
  );
});

test('route and rule refusals name the route or rule', async () => {
  const sock = new FakeNetlinkSocket((m) => (m.type === RtmType.GETLINK ? fakeKernel(m) : [encodeErrorReply(m, m.type === RtmType.NEWROUTE ? 101 : 2)]));
  const c = new RtnetlinkClient(new NetlinkConnection(sock));
  await assert.rejects(c.addRoute({ destination: '10.70.0.0/16', gateway: '172.16.0.1', device: 'eth0', table: 100 }), {
    message: 'adding route 10.70.0.0/16 via 172.16.0.1 dev eth0 table 100: ENETUNREACH (gateway not reachable on any interface (add its prefix first, or use onlink))',
  });
  await assert.rejects(c.addRoute({ destination: '10.70.0.0/99' }), { message: 'adding route 10.70.0.0/99: EINVAL ("10.70.0.0/99": prefix length must be 0..32)' });
  await assert.rejects(c.deleteRule({ from: '10.0.0.0/24', table: 100, priority: 1000 }), { message: 'deleting rule from 10.0.0.0/24 priority 1000 lookup 100: ENOENT (no such rule)' });
});

test('the link monitor turns multicast notifications into typed events', async () => {
  const sock = new FakeNetlinkSocket(fakeKernel);
  const mon = new LinkMonitor(new NetlinkConnection(sock));
  await mon.start();
  const groups = sock.sockopts.filter((o) => o.name === 1).map((o) => o.value);
  assert.deepEqual(groups, [RtnlGroup.LINK, RtnlGroup.IPV4_IFADDR, RtnlGroup.IPV6_IFADDR]);
  assert.equal(mon.linkByName('eth0')?.index, 2);
  const events: LinkEvent[] = [];
  mon.on((e) => events.push(e));
  const note = (type: number, payload: Buffer, group: number) => sock.multicast(encodeMessage({ type, flags: 0, seq: 0, pid: 0, payload }), group);
  note(RtmType.NEWLINK, linkPayload(2, 'eth0', 0x1003), RtnlGroup.LINK); // carrier lost
  note(RtmType.NEWLINK, linkPayload(2, 'eth0', 0x11043), RtnlGroup.LINK); // back
  note(RtmType.NEWLINK, linkPayload(2, 'lan0', 0x11043), RtnlGroup.LINK); // renamed
  note(RtmType.NEWLINK, linkPayload(5, 'vrrp.51', 0x1002), RtnlGroup.LINK);
  note(RtmType.DELLINK, linkPayload(5, 'vrrp.51', 0x1002), RtnlGroup.LINK);
  note(RtmType.NEWADDR, encodeNewAddress({ address: '10.0.0.77/24', index: 2 }), RtnlGroup.IPV4_IFADDR);
  note(RtmType.DELADDR, encodeNewAddress({ address: 'fd00::77/64', index: 2 }), RtnlGroup.IPV6_IFADDR);
  sock.multicast(Buffer.from('garbage!'), RtnlGroup.LINK);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['link-down', 'link-up', 'link-rename', 'link-new', 'link-delete', 'address-add', 'address-delete'],
  );
  const rename = events[2]!;
  assert.ok(rename.kind === 'link-rename' && rename.oldName === 'eth0' && rename.link.name === 'lan0');
  const add = events[5]!;
  assert.ok(add.kind === 'address-add' && add.address.address === '10.0.0.77' && add.address.prefixLength === 24);
  assert.equal(add.ifname, 'lan0');
  mon.close();
});

test('after an overrun the link monitor re-reads the links and reports what changed meanwhile', async () => {
  // The kernel's view changes while events are lost: eth0 loses carrier, vrrp.51 appears.
  let afterOverrun = false;
  const sock = new FakeNetlinkSocket((m) => {
    if (m.type !== RtmType.GETLINK || !afterOverrun) return fakeKernel(m);
    const link = (index: number, name: string, flags: number) => encodeMessage({ type: RtmType.NEWLINK, flags: MessageFlag.MULTI, seq: m.seq, pid: 99, payload: linkPayload(index, name, flags) });
    return [Buffer.concat([link(2, 'eth0', 0x1003), link(6, 'vrrp.51', 0x11043), encodeDone(m.seq, 99)])];
  });
  const mon = new LinkMonitor(new NetlinkConnection(sock));
  await mon.start();
  const events: LinkEvent[] = [];
  mon.on((e) => events.push(e));
  afterOverrun = true;
  sock.failReceive('ENOBUFS', 105);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    events.map((e) => ('link' in e ? `${e.kind} ${e.link.name}` : e.kind)),
    ['overrun', 'link-down eth0', 'link-new vrrp.51'],
  );
  mon.close();
});

test('genetlink resolves a family by name and sends typed requests to it', async () => {
  const sock = new FakeNetlinkSocket((m) => {
    if (m.type === GENL_ID_CTRL) return [Buffer.concat([encodeMessage({ type: GENL_ID_CTRL, flags: 0, seq: m.seq, pid: 5, payload: Buffer.from(KERNEL_REPLIES.genl_nlctrl, 'hex').subarray(16) }), encodeErrorReply(m, 0)])];
    return [encodeErrorReply(m, 0)];
  });
  const conn = new NetlinkConnection(sock);
  const fam = await resolveFamily(conn, 'nlctrl');
  assert.deepEqual([fam.id, fam.version, fam.groups.get('notify')], [16, 2, 16]);
  const req = sock.requests[0]!;
  assert.deepEqual(req.payload, Buffer.from('03010000 0b00 0200 6e6c6374726c00 00'.replace(/ /g, ''), 'hex'));
  await genlRequest(conn, 0x22, 5, 1, new AttributeEncoder().u32(1, 7), MessageFlag.CREATE);
  const sent = sock.requests[1]!;
  assert.deepEqual([sent.type, sent.flags, sent.payload.toString('hex')], [0x22, MessageFlag.REQUEST | MessageFlag.ACK | MessageFlag.CREATE, '05010000' + '08000100' + '07000000']);
});

test('resolving a family the kernel does not have says what is missing', async () => {
  const conn = new NetlinkConnection(new FakeNetlinkSocket((m) => [encodeErrorReply(m, 2)]));
  await assert.rejects(resolveFamily(conn, 'IPVS'), { message: 'resolving generic netlink family IPVS: ENOENT (no such generic netlink family (kernel module not loaded?))' });
});

test('garbage from the socket never throws out of the read callback, and the monitor keeps working', async () => {
  const sock = new FakeNetlinkSocket(fakeKernel);
  const conn = new NetlinkConnection(sock);
  const mon = new LinkMonitor(conn);
  await mon.start();
  const errors: Error[] = [];
  conn.onError((e) => errors.push(e));
  // A small seeded generator: the same "random" datagrams every run.
  let x = 0x2545f491;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const len = 16 + (rnd() % 80);
    const b = Buffer.from(Array.from({ length: len }, rnd));
    // Mostly well-framed messages of rtnetlink types with random bodies, some raw noise.
    if (i % 4 !== 0) {
      b.writeUInt32LE(len, 0);
      b.writeUInt16LE([16, 17, 20, 21, 24, 25, 2, 3][i % 8]!, 4);
    }
    assert.doesNotThrow(() => sock.multicast(b, RtnlGroup.LINK));
  }
  assert.ok(errors.length > 0, 'malformed datagrams are reported');
  const events: LinkEvent[] = [];
  mon.on((e) => events.push(e));
  sock.multicast(encodeMessage({ type: RtmType.NEWADDR, flags: 0, seq: 0, pid: 0, payload: encodeNewAddress({ address: '10.0.0.99/24', index: 2 }) }), RtnlGroup.IPV4_IFADDR);
  assert.equal(events.at(-1)?.kind, 'address-add');
  mon.close();
});
