// The BFD child's service over an in-memory network and a virtual clock: two services peer,
// come Up, report to the parent; silence on one side is seen by the other after the
// detection time; a stop is silent (as keepalived's); TTL, discriminator and address rules
// pick or drop packets; a reload keeps an unchanged session's state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BfdService } from '../../../src/bfd/service.js';
import type { BfdDatagram, BfdFamily, BfdSender, BfdTransport } from '../../../src/bfd/transport.js';
import { decodeBfdControl } from '../../../src/bfd/codec.js';
import { newBfdInstance } from '../../../src/config/keywords/bfd.js';
import type { BfdInstance } from '../../../src/config/model.js';
import type { BfdEvent } from '../../../src/daemon/ipc.js';
import type { Logger } from '../../../src/daemon/log.js';
import { VirtualClock } from '../../../src/vrrp/fakes.js';
import { Prng } from '../../lib/prng.js';

const LATENCY_US = 100;

/** Hosts by address; a datagram reaches the host that owns its destination after LATENCY_US. */
class FakeNet {
  readonly hosts = new Map<string, FakeBfdTransport>();
  /** Drop everything from these addresses (a silent peer). */
  readonly muted = new Set<string>();
  ttl = 255;
  sent: Array<{ from: string; to: string; data: Buffer; multihop: boolean }> = [];
  constructor(readonly clock: VirtualClock) {}

  deliver(from: string, to: string, data: Buffer, multihop = false): void {
    this.sent.push({ from, to, data, multihop });
    if (this.muted.has(from)) return;
    const host = this.hosts.get(to);
    const ttl = this.ttl;
    // Nobody listens on the multihop port of a host without multihop sessions.
    if (multihop && !host?.multihop) return;
    this.clock.setTimer(this.clock.now() + LATENCY_US, () => host?.receive({ data, family: 'inet', src: from, dst: to, ttl, multihop }));
  }
}

class FakeBfdTransport implements BfdTransport {
  private cb: ((d: BfdDatagram) => void) | undefined;
  closed = false;
  multihop = false;
  constructor(private readonly net: FakeNet, readonly address: string) {
    net.hosts.set(address, this);
  }

  onDatagram(cb: (d: BfdDatagram) => void): void {
    this.cb = cb;
  }

  receive(d: BfdDatagram): void {
    if (!this.closed) this.cb?.(d);
  }

  setMultihop(on: boolean): void {
    this.multihop = on;
  }

  openSender(o: { family: BfdFamily; src?: string; dst: string; ttl: number; multihop: boolean }): BfdSender {
    const src = o.src ?? this.address;
    let open = true;
    return { port: 49152, send: (data) => { if (open) this.net.deliver(src, o.dst, data, o.multihop); }, close: () => { open = false; } };
  }

  close(): void {
    this.closed = true;
  }
}

function logger(lines: string[]): Logger {
  const add = (m: string) => lines.push(m);
  return { info: add, warn: add, error: add, detail: () => undefined, log: (_l: string, m: string) => add(m) } as unknown as Logger;
}

function instance(name: string, nbr: string, src: string, o: Partial<BfdInstance> = {}): BfdInstance {
  return { ...newBfdInstance(name, { file: 'k.conf', line: 1 }), neighborIp: { family: 4, address: nbr }, sourceIp: { family: 4, address: src }, minRxUs: 50_000, minTxUs: 50_000, multiplier: 3, ...o };
}

interface Node { svc: BfdService; events: BfdEvent[]; log: string[]; transport: FakeBfdTransport }

function node(net: FakeNet, address: string, seed: number): Node {
  const events: BfdEvent[] = [];
  const log: string[] = [];
  const transport = new FakeBfdTransport(net, address);
  const rng = new Prng(seed);
  const svc = new BfdService({ role: 'bfd', log: logger(log), emit: (e) => events.push(e) }, { openTransport: () => transport, clock: net.clock, random: () => rng.next() });
  return { svc, events, log, transport };
}

const config = (...b: BfdInstance[]) => ({ bfdInstances: b }) as unknown;

async function pair(): Promise<{ net: FakeNet; a: Node; b: Node }> {
  const net = new FakeNet(new VirtualClock(1_000_000));
  const a = node(net, '10.0.0.1', 1);
  const b = node(net, '10.0.0.2', 2);
  await a.svc.start(config(instance('A', '10.0.0.2', '10.0.0.1')));
  await b.svc.start(config(instance('B', '10.0.0.1', '10.0.0.2', { sendTo: { vrrp: true, checker: false } })));
  return { net, a, b };
}

test('two services come Up, negotiate the configured rate and tell the parent, with where the event goes', async () => {
  const { net, a, b } = await pair();
  net.clock.advance(3_000_000);
  assert.deepEqual(a.events, [{ type: 'bfd', name: 'A', up: true, vrrp: true, checker: true }]);
  assert.deepEqual(b.events, [{ type: 'bfd', name: 'B', up: true, vrrp: true, checker: false }]);
  assert.ok(a.log.includes('(A) Entering Up state'), a.log.join('\n'));
  assert.ok(a.log.some((l) => /Detection time is 150000 us/.test(l)), a.log.join('\n'));
  // At 50 ms with jitter (75-100 %) each side sends 20-27 packets a second once Up.
  const from = net.sent.length;
  net.clock.advance(1_000_000);
  const perSecond = net.sent.slice(from).filter((s) => s.from === '10.0.0.1').length;
  assert.ok(perSecond >= 20 && perSecond <= 27, `A sent ${perSecond} packets in 1 s`);
  const last = net.sent.filter((s) => s.from === '10.0.0.1').at(-1);
  const p = last && decodeBfdControl(last.data);
  assert.ok(p && 'packet' in p && p.packet.state === 'Up' && p.packet.desiredMinTxUs === 50_000 && p.packet.requiredMinRxUs === 50_000);
});

test('a silent peer: Down after the detection time with diag 1, reported down; back Up when it speaks again', async () => {
  const { net, a } = await pair();
  net.clock.advance(3_000_000);
  net.muted.add('10.0.0.2');
  const mutedAt = net.clock.now();
  net.clock.advance(400_000);
  const down = a.log.find((l) => l.startsWith('(A) Entering Down state'));
  assert.equal(down, '(A) Entering Down state (Local diagnostic - Control Detection Time Expired, Remote diagnostic - No Diagnostic)');
  assert.ok(a.log.some((l) => /^\(A\) Expired after 150 ms/.test(l)), a.log.join('\n'));
  assert.deepEqual(a.events.at(-1), { type: 'bfd', name: 'A', up: false, vrrp: true, checker: true });
  assert.ok(net.clock.now() - mutedAt >= 150_000);
  net.muted.clear();
  net.clock.advance(5_000_000);
  assert.equal(a.events.at(-1)?.up, true);
});

test('a stop sends nothing (keepalived\'s silence): the peer times out and reports down', async () => {
  const { net, a, b } = await pair();
  net.clock.advance(3_000_000);
  const from = net.sent.length;
  a.svc.beginStop();
  await a.svc.stop();
  assert.equal(net.sent.slice(from).filter((s) => s.from === '10.0.0.1').length, 0, 'no packet after stop');
  assert.ok(a.transport.closed);
  net.clock.advance(1_000_000);
  assert.deepEqual(b.events.at(-1), { type: 'bfd', name: 'B', up: false, vrrp: true, checker: false });
});

test('packets below the TTL, from another address or for another discriminator are dropped', async () => {
  const net = new FakeNet(new VirtualClock(1_000_000));
  const a = node(net, '10.0.0.1', 1);
  const b = node(net, '10.0.0.2', 2);
  await a.svc.start(config(instance('A', '10.0.0.2', '10.0.0.1')));
  await b.svc.start(config(instance('B', '10.0.0.1', '10.0.0.2')));
  // One hop too many: RFC 5881 §5 (max_hops 0).
  net.ttl = 254;
  net.clock.advance(5_000_000);
  assert.ok(!a.events.some((e) => e.up), 'no session with packets at TTL 254');
  net.ttl = 255;
  net.clock.advance(5_000_000);
  assert.equal(a.events.at(-1)?.up, true);
  // max_hops 255 turns the check off.
  const c = node(net, '10.0.0.3', 3);
  await c.svc.start(config(instance('C', '10.0.0.4', '10.0.0.3')));
  c.transport.receive({ data: net.sent[0]!.data, family: 'inet', src: '10.0.0.9', dst: '10.0.0.3', ttl: 255, multihop: false });
  assert.equal(c.events.length, 0, 'a packet from an address no session has is nobody\'s');
});

test('a reload keeps an unchanged session Up and restarts a changed one; a removed one stops sending', async () => {
  const { net, a } = await pair();
  net.clock.advance(3_000_000);
  const events = a.events.length;
  await a.svc.reload(config(instance('A', '10.0.0.2', '10.0.0.1')));
  net.clock.advance(2_000_000);
  assert.equal(a.events.length, events, 'no event: the session stayed Up');
  await a.svc.reload(config());
  const from = net.sent.length;
  net.clock.advance(2_000_000);
  assert.equal(net.sent.slice(from).filter((s) => s.from === '10.0.0.1').length, 0);
});

test('a session that never comes up is reported down once, after a detection time at the slow rate', async () => {
  const net = new FakeNet(new VirtualClock(1_000_000));
  const a = node(net, '10.0.0.1', 1);
  await a.svc.start(config(instance('A', '10.0.0.2', '10.0.0.1')));
  net.clock.advance(2_900_000);
  assert.equal(a.events.length, 0, 'not before multiplier x idle_tx');
  net.clock.advance(200_000);
  assert.deepEqual(a.events, [{ type: 'bfd', name: 'A', up: false, vrrp: true, checker: true }]);
  net.clock.advance(10_000_000);
  assert.equal(a.events.length, 1);
});

test('multihop sessions (RFC 5883) meet on the multihop port only: a single-hop peer does not match them', async () => {
  const net = new FakeNet(new VirtualClock(1_000_000));
  const a = node(net, '10.0.0.1', 1);
  const b = node(net, '10.0.0.2', 2);
  await a.svc.start(config(instance('A', '10.0.0.2', '10.0.0.1', { multihop: true, maxHops: 255 })));
  await b.svc.start(config(instance('B', '10.0.0.1', '10.0.0.2')));
  assert.equal(a.transport.multihop, true, 'A listens on 4784');
  assert.equal(b.transport.multihop, false, 'B does not');
  net.clock.advance(5_000_000);
  assert.ok(!a.events.some((e) => e.up) && !b.events.some((e) => e.up), 'a single-hop and a multihop end never meet');
  await b.svc.reload(config(instance('B', '10.0.0.1', '10.0.0.2', { multihop: true, maxHops: 255 })));
  assert.equal(b.transport.multihop, true);
  net.ttl = 250;
  net.clock.advance(5_000_000);
  assert.equal(a.events.at(-1)?.up, true, 'both multihop, packets from 5 hops away (max_hops 255): Up');
  assert.equal(b.events.at(-1)?.up, true);
  await a.svc.reload(config());
  assert.equal(a.transport.multihop, false, 'no multihop session left: the port is closed');
});

test('a reload that changes only multihop restarts the session on the other port', async () => {
  const net = new FakeNet(new VirtualClock(1_000_000));
  const a = node(net, '10.0.0.1', 1);
  const b = node(net, '10.0.0.2', 2);
  await a.svc.start(config(instance('A', '10.0.0.2', '10.0.0.1', { maxHops: 255 })));
  await b.svc.start(config(instance('B', '10.0.0.1', '10.0.0.2', { maxHops: 255 })));
  net.clock.advance(3_000_000);
  assert.equal(a.events.at(-1)?.up, true);
  for (const n of [a, b]) await n.svc.reload(config(instance(n === a ? 'A' : 'B', n === a ? '10.0.0.2' : '10.0.0.1', n.transport.address, { maxHops: 255, multihop: true })));
  net.clock.advance(5_000_000);
  assert.equal(a.events.at(-1)?.up, true, 'Up again, now over the multihop port');
  const from = net.sent.length;
  net.clock.advance(1_000_000);
  assert.ok(net.sent.slice(from).length > 0);
  assert.ok(net.sent.slice(from).every((x) => x.multihop), 'every packet to the multihop port');
});
