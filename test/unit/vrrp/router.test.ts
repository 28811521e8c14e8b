// Integration-style tests of the VRRP runtime: two or three routers on a fake segment
// driven by a virtual clock. What is asserted is what a user would see: which host holds
// the VIP, which adverts were on the wire, keepalived's log lines, the notifications.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeSegment, VirtualClock, type FakeHost } from '../../../src/vrrp/fakes.js';
import { VrrpRouter } from '../../../src/vrrp/router.js';
import { REHEARSAL_LEAD_US } from '../../../src/vrrp/instance.js';
import type { VrrpInstanceSpec } from '../../../src/vrrp/spec.js';
import type { VrrpTransport } from '../../../src/vrrp/ports.js';
import { decodeAdvert } from '../../../src/vrrp/codec.js';

const VIP = '10.0.0.100';

function spec(over: Partial<VrrpInstanceSpec> = {}): VrrpInstanceSpec {
  return { name: 'VI_1', vrid: 51, interface: 'eth0', priority: 100, advertIntSec: 1, vips: [{ address: VIP, prefixLength: 24 }], ...over };
}

interface Node { host: FakeHost; router: VrrpRouter }

function node(seg: FakeSegment, name: string, addr: string, specs: VrrpInstanceSpec[]): Node {
  const host = seg.host(name, [addr]);
  const r = VrrpRouter.create(specs.map((s) => ({ sourceAddress: addr, ...s })), host.ports());
  assert.deepEqual(r.errors, []);
  return { host, router: r.router };
}

async function runUntil(seg: FakeSegment, nodes: Node[], t: number, sliceUs = 10_000): Promise<void> {
  // Step in small slices so queued address work (microtasks) settles between timers.
  while (seg.clock.now() < t) {
    seg.clock.runUntil(Math.min(t, seg.clock.now() + sliceUs));
    await Promise.all(nodes.map((n) => n.router.idle()));
  }
}

function holders(nodes: Node[], vip = VIP): string[] {
  return nodes.filter((n) => n.host.addresses.has(vip)).map((n) => n.host.name);
}

function advertsFrom(seg: FakeSegment, host: string, after = 0): { time: number; priority: number }[] {
  return seg.captured.filter((c) => c.host === host && c.time >= after).flatMap((c) => {
    const d = decodeAdvert(c.family, c.data);
    return d.ok ? [{ time: c.time, priority: d.advert.vrrp.priority }] : [];
  });
}

/** The usual pair on a fresh segment: a (10.0.0.1, priority 100) and b (10.0.0.2, 200), both started and run for 10 s, so b is master. */
async function electedPair(): Promise<{ seg: FakeSegment; a: Node; b: Node }> {
  const seg = new FakeSegment(new VirtualClock());
  const a = node(seg, 'a', '10.0.0.1', [spec({ priority: 100 })]);
  const b = node(seg, 'b', '10.0.0.2', [spec({ priority: 200 })]);
  await a.router.start();
  await b.router.start();
  await runUntil(seg, [a, b], 10_000_000);
  return { seg, a, b };
}

test('election: the higher priority becomes master, the VIP is on exactly one host', async () => {
  const { seg, a, b } = await electedPair();
  assert.equal(b.router.status('VI_1')?.state, 'MASTER');
  assert.equal(a.router.status('VI_1')?.state, 'BACKUP');
  assert.deepEqual(holders([a, b]), ['b']);
  // b took over after its own master-down interval: 3 s + (256-200)/256 s.
  const first = advertsFrom(seg, 'b')[0];
  assert.equal(first?.time, 3_218_750);
  assert.ok(b.host.sink.lines.includes('(VI_1) Entering MASTER STATE'));
  assert.ok(!a.host.sink.lines.includes('(VI_1) Entering MASTER STATE'));
  assert.deepEqual(b.host.sink.changes.map((c) => c.state), ['BACKUP', 'MASTER']);
  // GARPs for the VIP: the first burst and the delayed second one.
  assert.deepEqual(b.host.announce.sent.map((s) => [s.address, s.repeat]), [[VIP, 5], [VIP, 5]]);
});

test('failover: the backup takes over within the master-down interval when the master dies silently', async () => {
  const { seg, a, b } = await electedPair();
  seg.setLinkUp('b', false); // b's adverts stop reaching a; no priority 0
  const lastHeard = advertsFrom(seg, 'b').filter((x) => x.time <= 10_000_000).at(-1)!.time;
  await runUntil(seg, [a, b], 20_000_000);
  assert.equal(a.router.status('VI_1')?.state, 'MASTER');
  const takeover = advertsFrom(seg, 'a')[0]!.time;
  // Master_Down_Interval for priority 100 is 3.609375 s after the last advert heard (+ wire latency).
  assert.equal(takeover, lastHeard + 100 + 3_609_375);
  assert.ok(a.host.addresses.has(VIP));
});

test('failover: the master-down interval runs from when the advert was read, not from when it was handled', async () => {
  // The transport says each packet was read 5 ms before the router got to it (as a real one
  // does when the advert waited in the socket while the loop was busy): the backup takes over
  // 5 ms earlier than in the test above, as keepalived does (its clock is read when its loop wakes).
  const seg = new FakeSegment(new VirtualClock());
  const hostA = seg.host('a', ['10.0.0.1']);
  const portsA = hostA.ports();
  const early: VrrpTransport = {
    open: (key, onPacket) => portsA.transport.open(key, (p) => onPacket({ ...p, receivedAt: seg.clock.now() - 5_000 })),
  };
  const created = VrrpRouter.create([{ sourceAddress: '10.0.0.1', ...spec({ priority: 100 }) }], { ...portsA, transport: early });
  const a: Node = { host: hostA, router: created.router };
  const b = node(seg, 'b', '10.0.0.2', [spec({ priority: 200 })]);
  await a.router.start();
  await b.router.start();
  await runUntil(seg, [a, b], 10_000_000);
  assert.equal(b.router.status('VI_1')?.state, 'MASTER');
  seg.setLinkUp('b', false);
  const lastHeard = advertsFrom(seg, 'b').filter((x) => x.time <= 10_000_000).at(-1)!.time;
  await runUntil(seg, [a, b], 20_000_000);
  assert.equal(a.router.status('VI_1')?.state, 'MASTER');
  assert.equal(advertsFrom(seg, 'a')[0]!.time, lastHeard + 100 - 5_000 + 3_609_375);
});

test('preemption: a higher priority router coming back takes the VIP back; the old master releases it', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const a = node(seg, 'a', '10.0.0.1', [spec({ priority: 100 })]);
  const b = node(seg, 'b', '10.0.0.2', [spec({ priority: 200 })]);
  await a.router.start();
  await runUntil(seg, [a, b], 5_000_000);
  assert.deepEqual(holders([a, b]), ['a']);
  await b.router.start();
  await runUntil(seg, [a, b], 15_000_000);
  assert.equal(b.router.status('VI_1')?.state, 'MASTER');
  assert.equal(a.router.status('VI_1')?.state, 'BACKUP');
  assert.deepEqual(holders([a, b]), ['b']);
  assert.ok(b.host.sink.lines.includes('(VI_1) received lower priority (100) advert from 10.0.0.1 - discarding'));
  assert.ok(a.host.sink.lines.includes('(VI_1) Master received advert from 10.0.0.2 with higher priority 200, ours 100'));
});

test('nopreempt: a higher priority backup leaves a live lower priority master alone', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const a = node(seg, 'a', '10.0.0.1', [spec({ priority: 100 })]);
  const b = node(seg, 'b', '10.0.0.2', [spec({ priority: 200, nopreempt: true })]);
  await a.router.start();
  await runUntil(seg, [a, b], 5_000_000);
  await b.router.start();
  await runUntil(seg, [a, b], 30_000_000);
  assert.equal(a.router.status('VI_1')?.state, 'MASTER');
  assert.equal(b.router.status('VI_1')?.state, 'BACKUP');
  assert.deepEqual(holders([a, b]), ['a']);
});

test('priority-0 handover: a master stopping cleanly hands over after Skew_Time, not the full down interval', async () => {
  const { seg, a, b } = await electedPair();
  await b.router.stop();
  const stopAt = seg.clock.now();
  const zero = advertsFrom(seg, 'b', stopAt);
  assert.deepEqual(zero.map((x) => x.priority), [0], 'one priority-0 advert on the wire');
  assert.ok(!b.host.addresses.has(VIP), 'the stopped master released the VIP');
  assert.equal(b.host.sink.changes.at(-1)?.state, 'STOP');
  await runUntil(seg, [a, b], stopAt + 2_000_000);
  const takeover = advertsFrom(seg, 'a')[0]!.time;
  assert.equal(takeover, stopAt + 100 + 609_375); // Skew_Time for priority 100
  assert.deepEqual(holders([a, b]), ['a']);
});

test('three routers: equal priorities elect the highest address; a fault hands over with priority 0', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const a = node(seg, 'a', '10.0.0.1', [spec({ priority: 150 })]);
  const b = node(seg, 'b', '10.0.0.2', [spec({ priority: 150 })]);
  const c = node(seg, 'c', '10.0.0.3', [spec({ priority: 150 })]);
  const all = [a, b, c];
  for (const n of all) await n.router.start();
  await runUntil(seg, all, 20_000_000);
  assert.deepEqual(all.map((n) => n.router.status('VI_1')?.state), ['BACKUP', 'BACKUP', 'MASTER']);
  assert.deepEqual(holders(all), ['c']);
  c.router.setFault('VI_1', 'interface', true);
  await runUntil(seg, all, 25_000_000);
  assert.equal(c.router.status('VI_1')?.state, 'FAULT');
  assert.deepEqual(holders(all), ['b']);
  c.router.setFault('VI_1', 'interface', false);
  await runUntil(seg, all, 40_000_000);
  // c comes back as BACKUP and, priorities equal, the current master b keeps the VIP:
  // a backup only preempts a strictly lower priority.
  assert.deepEqual(all.map((n) => n.router.status('VI_1')?.state), ['BACKUP', 'MASTER', 'BACKUP']);
  assert.deepEqual(holders(all), ['b']);
});

test('tracking lowers the master priority below the backup: the backup preempts', async () => {
  const { seg, a, b } = await electedPair();
  b.router.setPriority('VI_1', 50);
  await runUntil(seg, [a, b], 20_000_000);
  assert.deepEqual(holders([a, b]), ['a']);
  assert.equal(b.router.status('VI_1')?.effectivePriority, 50);
});

test('unicast pair over VRRPv3', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const a = node(seg, 'a', '10.0.0.1', [spec({ version: 3, priority: 100, unicastPeers: [{ address: '10.0.0.2' }] })]);
  const b = node(seg, 'b', '10.0.0.2', [spec({ version: 3, priority: 200, unicastPeers: [{ address: '10.0.0.1' }] })]);
  await a.router.start();
  await b.router.start();
  await runUntil(seg, [a, b], 10_000_000);
  assert.deepEqual(holders([a, b]), ['b']);
  assert.equal(a.router.status('VI_1')?.masterAddress, '10.0.0.2');
  assert.ok(seg.captured.every((c) => c.dst !== '224.0.0.18'), 'nothing multicast');
  assert.equal(a.router.status('VI_1')?.stats.chkErr, 0);
});

test('IPv6 VRRPv3 pair', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const v6 = { vips: [{ address: 'fe80::100' }, { address: '2001:db8::100' }] };
  const a = node(seg, 'a', 'fe80::1', [spec({ ...v6, priority: 100 })]);
  const b = node(seg, 'b', 'fe80::2', [spec({ ...v6, priority: 200 })]);
  await a.router.start();
  await b.router.start();
  await runUntil(seg, [a, b], 10_000_000);
  assert.deepEqual(holders([a, b], '2001:db8::100'), ['b']);
  assert.equal(a.router.status('VI_1')?.masterAddress, 'fe80::2');
  assert.ok((a.router.status('VI_1')?.stats.advertRcvd ?? 0) > 3);
});

test('1,000 instances share one socket per interface and family and cost one timer each (a backup two: its deadline and the takeover rehearsal)', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const specs: VrrpInstanceSpec[] = [];
  for (let i = 0; i < 1000; i++) {
    specs.push(spec({ name: `VI_${i}`, vrid: (i % 255) + 1, interface: `eth${Math.floor(i / 255)}`, vips: [{ address: `10.${Math.floor(i / 250)}.${i % 250}.1` }] }));
  }
  const a = node(seg, 'a', '10.255.0.1', specs);
  await a.router.start();
  assert.equal(a.host.transport.opened, 4); // eth0..eth3
  assert.equal(a.router.channelCount(), 4);
  assert.equal(seg.clock.pendingCount(), 2000); // all BACKUP at start
  await runUntil(seg, [a], 4_000_000, 500_000);
  assert.ok(a.router.statuses().every((s) => s.state === 'MASTER'));
});

test('a duplicate VRID on one interface is refused with a clear message', () => {
  const seg = new FakeSegment(new VirtualClock());
  const host = seg.host('a', ['10.0.0.1']);
  const r = VrrpRouter.create([spec(), spec({ name: 'VI_2' })], host.ports());
  assert.deepEqual(r.errors, ['(VI_2) VRID 51 is already used by VI_1 on the same interface and address family']);
  assert.equal(r.router.statuses().length, 1);
});

test('garbage on the wire never crashes a router and never moves its timer', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const a = node(seg, 'a', '10.0.0.1', [spec({ priority: 100 })]);
  seg.host('evil', ['10.0.0.66']);
  await a.router.start();
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const len = x % 80;
    const data = Buffer.alloc(len);
    for (let k = 0; k < len; k++) { x = (x * 1103515245 + 12345) >>> 0; data[k] = x >>> 24; }
    if (len > 0) data[0] = 0x45;
    if (len > 9) data[9] = 112;
    seg.inject('evil', 'inet', '224.0.0.18', data);
  }
  await runUntil(seg, [a], 3_609_375 + 1000);
  assert.equal(a.router.status('VI_1')?.state, 'MASTER');
  assert.equal(advertsFrom(seg, 'a')[0]?.time, 3_609_375);
});

test('a VIP deleted by someone else is put back after a quick re-election (no_track VIPs are left alone)', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const a = node(seg, 'a', '10.0.0.1', [spec({ priority: 150, vips: [{ address: VIP }, { address: '10.0.0.101', noTrack: true }] })]);
  await a.router.start();
  await runUntil(seg, [a], 5_000_000);
  assert.ok(a.host.addresses.has(VIP));
  a.host.addresses.installed.delete('10.0.0.101');
  a.router.addressDeleted('10.0.0.101');
  await runUntil(seg, [a], 5_500_000);
  assert.equal(a.router.status('VI_1')?.state, 'MASTER', 'no_track: no re-election');
  a.host.addresses.installed.delete(VIP);
  a.router.addressDeleted(VIP);
  const t = seg.clock.now();
  await runUntil(seg, [a], t + 1_000_000);
  assert.ok(a.host.sink.lines.includes(`(VI_1) ip address ${VIP} dev eth0, no longer exist`));
  assert.deepEqual(advertsFrom(seg, 'a', t).map((x) => x.priority).slice(0, 2), [0, 150]);
  assert.equal(a.router.status('VI_1')?.state, 'MASTER');
  assert.ok(a.host.addresses.has(VIP), 'the VIP is back');
});

test('sync group: the members move together (fault on one takes the group away; recovery brings it back)', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const VIP2 = '10.0.1.100';
  const mk = (name: string, addr: string, prio: number): Node => {
    const host = seg.host(name, [addr]);
    const specs = [spec({ priority: prio, sourceAddress: addr }), spec({ name: 'VI_2', vrid: 52, interface: 'eth1', priority: prio, sourceAddress: addr, vips: [{ address: VIP2 }] })];
    const r = VrrpRouter.create(specs, host.ports(), { syncGroups: [{ name: 'G', members: ['VI_1', 'VI_2'] }] });
    assert.deepEqual(r.errors, []);
    return { host, router: r.router };
  };
  const a = mk('a', '10.0.0.1', 100);
  const b = mk('b', '10.0.0.2', 200);
  await a.router.start();
  await b.router.start();
  await runUntil(seg, [a, b], 10_000_000);
  assert.deepEqual([holders([a, b]), holders([a, b], VIP2)], [['b'], ['b']]);

  // Only VI_1's interface fails on b: the whole group leaves MASTER.
  b.router.setFault('VI_1', 'interface', true);
  await runUntil(seg, [a, b], 20_000_000);
  assert.deepEqual(b.router.statuses().map((s) => s.state), ['FAULT', 'FAULT']);
  assert.ok(b.host.sink.lines.includes('VRRP_Group(G) Syncing instances to FAULT state'));
  assert.deepEqual([holders([a, b]), holders([a, b], VIP2)], [['a'], ['a']]);

  b.router.setFault('VI_1', 'interface', false);
  await runUntil(seg, [a, b], 30_000_000);
  assert.deepEqual(b.router.statuses().map((s) => s.state), ['MASTER', 'MASTER']);
  assert.deepEqual([holders([a, b]), holders([a, b], VIP2)], [['b'], ['b']]);
});

test('sync group: a member whose timer expires first waits until every member wants MASTER', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const host = seg.host('a', ['10.0.0.1']);
  // VI_1 (priority 200) expires at 3.21875 s, VI_2 (priority 100) at 3.609375 s: both go MASTER then.
  const specs = [spec({ priority: 200, sourceAddress: '10.0.0.1' }), spec({ name: 'VI_2', vrid: 52, priority: 100, sourceAddress: '10.0.0.1', vips: [{ address: '10.0.1.100' }] })];
  const r = VrrpRouter.create(specs, host.ports(), { syncGroups: [{ name: 'G', members: ['VI_1', 'VI_2'] }] });
  const n: Node = { host, router: r.router };
  await n.router.start();
  await runUntil(seg, [n], 3_500_000, 1000);
  assert.deepEqual(n.router.statuses().map((s) => s.state), ['BACKUP', 'BACKUP']);
  await runUntil(seg, [n], 5_000_000, 1000);
  assert.deepEqual(n.router.statuses().map((s) => s.state), ['MASTER', 'MASTER']);
  const firstAdverts = seg.captured.map((c) => c.time);
  assert.deepEqual(firstAdverts.slice(0, 2), [3_609_375, 3_609_375]);
  assert.ok(host.sink.lines.includes('VRRP_Group(G) Syncing instances to MASTER state'));
});

test('reload keeps a MASTER master (no re-election), adds/removes VIPs, starts new and retires removed instances', async () => {
  const { seg, a, b } = await electedPair();
  assert.deepEqual(holders([a, b]), ['b']);
  const linesBefore = b.host.sink.lines.length;
  const t0 = seg.clock.now();

  // Same instance, one more VIP, plus a new instance VI_2.
  const r = await b.router.reload([
    spec({ priority: 200, sourceAddress: '10.0.0.2', vips: [{ address: VIP }, { address: '10.0.0.101' }] }),
    spec({ name: 'VI_2', vrid: 52, priority: 200, sourceAddress: '10.0.0.2', vips: [{ address: '10.0.2.100' }] }),
  ]);
  assert.deepEqual([r.errors, r.kept, r.added, r.removed], [[], ['VI_1'], ['VI_2'], []]);
  await runUntil(seg, [a, b], 15_000_000);
  assert.equal(b.router.status('VI_1')?.state, 'MASTER');
  assert.ok(!b.host.sink.lines.slice(linesBefore).some((l) => l.startsWith('(VI_1) Entering')), 'VI_1 did not change state');
  assert.ok(advertsFrom(seg, 'b', t0).filter((x) => x.priority === 0).length === 0, 'no priority-0 advert');
  assert.ok(b.host.addresses.has('10.0.0.101') && b.host.addresses.has(VIP));
  assert.ok(b.host.announce.sent.some((s) => s.address === '10.0.0.101'));
  assert.equal(b.router.status('VI_2')?.state, 'MASTER');
  assert.equal(a.router.status('VI_1')?.state, 'BACKUP', 'the backup never timed out');

  // VI_1 removed from b: it steps down with priority 0, a takes over quickly.
  const t1 = seg.clock.now();
  const r2 = await b.router.reload([spec({ name: 'VI_2', vrid: 52, priority: 200, sourceAddress: '10.0.0.2', vips: [{ address: '10.0.2.100' }] })]);
  assert.deepEqual([r2.kept, r2.removed], [['VI_2'], ['VI_1']]);
  assert.equal(b.host.sink.changes.at(-1)?.state, 'DELETED');
  await runUntil(seg, [a, b], t1 + 1_000_000);
  assert.deepEqual(holders([a, b]), ['a']);
  assert.ok(!b.host.addresses.has('10.0.0.101'));
  assert.equal(b.router.status('VI_2')?.state, 'MASTER');
});

test('reload with a lower priority: the master keeps its state but advertises the new priority, and is preempted', async () => {
  const { seg, a, b } = await electedPair();
  await b.router.reload([spec({ priority: 50, sourceAddress: '10.0.0.2' })]);
  await runUntil(seg, [a, b], 20_000_000);
  assert.deepEqual(holders([a, b]), ['a']);
  assert.equal(b.router.status('VI_1')?.effectivePriority, 50);
});

test('clearStats (SIGRTMAX-1) zeroes the counters and counting goes on from zero; state is untouched', async () => {
  const { seg, a, b } = await electedPair();
  const before = a.router.status('VI_1')!.stats;
  assert.ok(before.advertRcvd > 3);
  a.router.clearStats();
  const cleared = a.router.status('VI_1')!;
  assert.ok(Object.values(cleared.stats).every((v) => v === 0), JSON.stringify(cleared.stats));
  assert.equal(cleared.state, 'BACKUP');
  await runUntil(seg, [a, b], 13_000_000);
  const after = a.router.status('VI_1')!.stats.advertRcvd;
  assert.ok(after >= 2 && after <= 4, `3 s of adverts at 1 s counted from zero, not ${after}`);
});

test('sync group start-up: all owners start MASTER at once; owners mixed with others start BACKUP (warned)', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const owners = seg.host('o', ['10.0.0.1']);
  const both = [spec({ priority: 255, sourceAddress: '10.0.0.1' }), spec({ name: 'VI_2', vrid: 52, priority: 255, sourceAddress: '10.0.0.1', vips: [{ address: '10.0.1.100' }] })];
  const allOwners = VrrpRouter.create(both, owners.ports(), { syncGroups: [{ name: 'G', members: ['VI_1', 'VI_2'] }] });
  assert.deepEqual(allOwners.warnings, []);
  const o: Node = { host: owners, router: allOwners.router };
  await o.router.start();
  await runUntil(seg, [o], 100_000, 1000);
  assert.deepEqual(o.router.statuses().map((s) => s.state), ['MASTER', 'MASTER']);

  const seg2 = new FakeSegment(new VirtualClock());
  const mixedHost = seg2.host('m', ['10.0.0.1']);
  const mixedSpecs = [spec({ priority: 255, sourceAddress: '10.0.0.1' }), spec({ name: 'VI_2', vrid: 52, priority: 100, sourceAddress: '10.0.0.1', vips: [{ address: '10.0.1.100' }] })];
  const mixed = VrrpRouter.create(mixedSpecs, mixedHost.ports(), { syncGroups: [{ name: 'G', members: ['VI_1', 'VI_2'] }] });
  assert.ok(mixed.warnings.some((w) => /Sync group G has some member\(s\) as address owner and some not/.test(w)), mixed.warnings.join('\n'));
  const m: Node = { host: mixedHost, router: mixed.router };
  await m.router.start();
  await runUntil(seg2, [m], 1_000_000, 1000);
  assert.deepEqual(m.router.statuses().map((s) => s.state), ['BACKUP', 'BACKUP']);
  assert.ok(mixedHost.sink.lines.includes('(VI_1) Entering BACKUP STATE (init)'), mixedHost.sink.lines.join('\n'));
  assert.ok(!mixedHost.addresses.has(VIP), 'the owner does not hold its VIP while its group is BACKUP');
  // Alone on the segment, the group becomes MASTER once VI_2's master-down interval ends.
  await runUntil(seg2, [m], 5_000_000, 1000);
  assert.deepEqual(m.router.statuses().map((s) => s.state), ['MASTER', 'MASTER']);
});

test('reload of a no_accept master: added VIPs blocked, removed ones let go; switching to accept lets them all go', async () => {
  const { seg, a, b } = await electedPair();
  const t0 = seg.clock.now();
  const blocked = () => [...b.host.addresses.blocked].sort();
  await b.router.reload([spec({ priority: 200, sourceAddress: '10.0.0.2', accept: false, vips: [{ address: VIP }] })]);
  await runUntil(seg, [a, b], t0 + 100_000);
  assert.equal(b.router.status('VI_1')?.state, 'MASTER');
  assert.deepEqual(blocked(), [VIP], 'accept -> no_accept: the master\'s VIPs are blocked at once');
  await b.router.reload([spec({ priority: 200, sourceAddress: '10.0.0.2', accept: false, vips: [{ address: '10.0.0.101' }] })]);
  await runUntil(seg, [a, b], t0 + 200_000);
  assert.deepEqual(blocked(), ['10.0.0.101']);
  await b.router.reload([spec({ priority: 200, sourceAddress: '10.0.0.2', vips: [{ address: '10.0.0.101' }] })]);
  await runUntil(seg, [a, b], t0 + 300_000);
  assert.deepEqual(blocked(), [], 'back to accept');
  assert.equal(b.router.status('VI_1')?.state, 'MASTER');
});

test('VRRPv3 unicast beside keepalived before 1.3.6 (old_unicast_checksum): detected and adopted by default, refused with `never`', async () => {
  // b plays the old peer: its adverts carry the multicast group in the checksum's pseudo-header.
  const run = async (mode: 'auto' | 'never') => {
    const seg = new FakeSegment(new VirtualClock());
    const a = node(seg, 'a', '10.0.0.1', [spec({ version: 3, priority: 100, unicastChecksum: mode, unicastPeers: [{ address: '10.0.0.2' }] })]);
    const b = node(seg, 'b', '10.0.0.2', [spec({ version: 3, priority: 200, unicastChecksum: 'old', unicastPeers: [{ address: '10.0.0.1' }] })]);
    await b.router.start();
    await runUntil(seg, [a, b], 5_000_000);
    await a.router.start();
    await runUntil(seg, [a, b], 15_000_000);
    return { seg, a, b };
  };
  const auto = await run('auto');
  assert.deepEqual(holders([auto.a, auto.b]), ['b'], 'a accepts the old checksum and stays backup');
  assert.ok(auto.a.host.sink.lines.includes('(VI_1) Setting unicast VRRPv3 checksum to old version'));
  assert.equal(auto.a.router.status('VI_1')?.stats.chkErr, 0);
  // From then on a's own adverts carry the old checksum too: a priority-0 advert from a's stop reaches b.
  const t = auto.seg.clock.now();
  await auto.b.router.stop();
  await runUntil(auto.seg, [auto.a], t + 5_000_000);
  assert.deepEqual(holders([auto.a]), ['a']);
  const fromA = auto.seg.captured.filter((c) => c.host === 'a').at(-1);
  assert.ok(fromA);
  // The old checksum: verify the last advert a sent with 224.0.0.18 in the pseudo-header.
  const { verifyVrrpChecksum } = await import('../../../src/vrrp/checksum.js');
  assert.equal(verifyVrrpChecksum(fromA.data.subarray(20), { kind: 'ipv4-pseudo', src: '10.0.0.1', dst: '224.0.0.18' }), true);

  const never = await run('never');
  assert.deepEqual(holders([never.a, never.b]).sort(), ['a', 'b'], '`never`: b\'s adverts fail the check, a takes over too');
  assert.ok((never.a.router.status('VI_1')?.stats.chkErr ?? 0) > 0);
  assert.ok(!never.a.host.sink.lines.some((l) => l.includes('checksum to old version')));
});

/** A virtual clock that also records when each timer fired. */
class RecordingClock extends VirtualClock {
  readonly fired: number[] = [];

  override setTimer(at: number, callback: () => void): ReturnType<VirtualClock['setTimer']> {
    return super.setTimer(at, () => {
      this.fired.push(this.now());
      callback();
    });
  }
}

test('a backup rehearses its takeover REHEARSAL_LEAD_US before its master-down deadline, with no effect', async () => {
  const clock = new RecordingClock();
  const seg = new FakeSegment(clock);
  const a = node(seg, 'a', '10.0.0.1', [spec({ priority: 100 })]);
  const b = node(seg, 'b', '10.0.0.2', [spec({ priority: 200 })]);
  await a.router.start();
  await b.router.start();
  await runUntil(seg, [a, b], 10_000_000);
  // While the master is heard, each advert moves the rehearsal on with the deadline: it never
  // runs, and nothing piles up (a: deadline + rehearsal; b: its advert timer).
  assert.equal(clock.pendingCount(), 3);
  const lastAdvert = advertsFrom(seg, 'b').at(-1)?.time ?? NaN;
  seg.setLinkUp('b', false);
  // a heard b's last advert latencyUs after it was sent; priority 100 at 1 s: 3 x 1 s + skew.
  const deadline = lastAdvert + seg.latencyUs + 3 * 1_000_000 + Math.floor(((256 - 100) * 1_000_000) / 256);
  const stats = a.router.status('VI_1')?.stats;
  await runUntil(seg, [a, b], deadline - 1, 1000);
  assert.ok(clock.fired.includes(deadline - REHEARSAL_LEAD_US), 'the rehearsal ran');
  // It prepared the VIP addition (the address port's rehearsal) and made none.
  assert.deepEqual(a.host.addresses.calls.filter((c) => c.startsWith('rehearse')), [`rehearse VI_1 ${VIP}`]);
  assert.equal(a.router.status('VI_1')?.state, 'BACKUP');
  assert.deepEqual(a.router.status('VI_1')?.stats, stats);
  assert.deepEqual(advertsFrom(seg, 'a', lastAdvert), []);
  assert.deepEqual(holders([a, b]), ['b']);
  await runUntil(seg, [a, b], deadline + 10_000, 1000);
  assert.equal(a.router.status('VI_1')?.state, 'MASTER');
  assert.deepEqual(advertsFrom(seg, 'a', lastAdvert)[0], { time: deadline, priority: 100 });
  assert.deepEqual(holders([a, b]), ['a', 'b']); // b's link is cut, not its addresses
});
