// The BFD session state machine, two sessions back to back on a simulated link: packets go
// through the codec and arrive after a fixed latency, time jumps to the earliest pending
// event (a delivery or an armed timer), and randomness is seeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../lib/prng.js';
import { decodeBfdControl, encodeBfdControl, type BfdControl, type BfdState } from '../../../src/bfd/codec.js';
import { BFD_DEFAULTS, BfdSession, type BfdAction, type BfdSessionConfig, type BfdTimer } from '../../../src/bfd/session.js';

const LATENCY = 100;
const TIMERS: BfdTimer[] = ['tx', 'detect'];

interface Stamped<T> { at: number; v: T }
type StateChange = { from: BfdState; to: BfdState; diag: number };

class Node {
  readonly timers = new Map<BfdTimer, number>();
  readonly sent: Stamped<BfdControl>[] = [];
  readonly received: Stamped<BfdControl>[] = [];
  readonly states: Stamped<StateChange>[] = [];
  constructor(readonly s: BfdSession) {}
  transitions(): string[] { return this.states.map((c) => `${c.v.from}->${c.v.to}`); }
}

class Link {
  now = 0;
  /** blocked[i]: what node i sends is lost. */
  readonly blocked = [false, false];
  private inflight: { at: number; to: number; bytes: Buffer }[] = [];

  constructor(readonly nodes: [Node, Node]) {}

  apply(i: number, acts: BfdAction[]): void {
    const n = this.nodes[i]!;
    for (const a of acts) {
      if (a.type === 'send') {
        n.sent.push({ at: this.now, v: a.packet });
        if (!this.blocked[i]) this.inflight.push({ at: this.now + LATENCY, to: 1 - i, bytes: encodeBfdControl(a.packet) });
      } else if (a.type === 'arm') {
        assert.ok(a.at >= this.now, `${n.s.name}: ${a.timer} armed in the past`);
        n.timers.set(a.timer, a.at);
      } else if (a.type === 'disarm') {
        n.timers.delete(a.timer);
      } else {
        n.states.push({ at: this.now, v: { from: a.from, to: a.to, diag: a.diag } });
      }
    }
    // The session's own view of its timers always matches the actions it emitted.
    for (const t of TIMERS) assert.equal(n.s.deadline(t), n.timers.get(t) ?? null, `${n.s.name} ${t}`);
  }

  start(i: number): void { this.apply(i, this.nodes[i]!.s.start(this.now)); }
  stop(i: number, announce?: boolean): void { this.apply(i, this.nodes[i]!.s.stop(this.now, announce === undefined ? {} : { announce })); }

  /** Runs every event due at or before `t`, then sets the clock to `t`. */
  runUntil(t: number): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      let best: { at: number; run: () => void } | null = null;
      this.inflight.forEach((p, k) => {
        if (!best || p.at < best.at) best = { at: p.at, run: () => this.deliver(k) };
      });
      this.nodes.forEach((n, i) => {
        for (const [timer, at] of n.timers) {
          if (!best || at < best.at) best = { at, run: () => { n.timers.delete(timer); this.apply(i, n.s.expire(timer, this.now)); } };
        }
      });
      const next = best as { at: number; run: () => void } | null;
      if (!next || next.at > t) break;
      this.now = next.at;
      next.run();
    }
    this.now = t;
  }

  private deliver(k: number): void {
    const [p] = this.inflight.splice(k, 1);
    const d = decodeBfdControl(p!.bytes);
    assert.ok('packet' in d);
    const n = this.nodes[p!.to]!;
    n.received.push({ at: this.now, v: d.packet });
    this.apply(p!.to, n.s.receive(d.packet, this.now));
  }
}

function cfg(over: Partial<BfdSessionConfig> & { name: string; localDiscriminator: number }): BfdSessionConfig {
  return { ...BFD_DEFAULTS, passive: false, ...over };
}

// Distinct parameters on each side so the negotiation is visible:
//   A sends every max(A min_tx 50 ms, B min_rx 30 ms) = 50 ms; B every max(20 ms, 100 ms) = 100 ms;
//   A detects in B mult 5 × max(A min_rx 100 ms, B min_tx 20 ms) = 500 ms;
//   B detects in A mult 3 × max(B min_rx 30 ms, A min_tx 50 ms) = 150 ms.
const A_CFG = cfg({ name: 'a', localDiscriminator: 0x0a0a0a0a, desiredMinTxUs: 50_000, requiredMinRxUs: 100_000, multiplier: 3 });
const B_CFG = cfg({ name: 'b', localDiscriminator: 0x0b0b0b0b, desiredMinTxUs: 20_000, requiredMinRxUs: 30_000, idleTxUs: 2_000_000, multiplier: 5 });

function pair(a: BfdSessionConfig = A_CFG, b: BfdSessionConfig = B_CFG, seed = 1): Link {
  const r = new Prng(seed);
  return new Link([new Node(new BfdSession(a, 0, () => r.next())), new Node(new BfdSession(b, 0, () => r.next()))]);
}

/** Both started at 0 and run to 10 s: Up with the fast rates in force. */
function upPair(): Link {
  const l = pair();
  l.start(0);
  l.start(1);
  l.runUntil(10_000_000);
  assert.equal(l.nodes[0].s.state, 'Up');
  assert.equal(l.nodes[1].s.state, 'Up');
  return l;
}

const pkt = (over: Partial<BfdControl>): BfdControl => ({
  diag: 0, state: 'Down', poll: false, final: false, cpi: false, authPresent: false, demand: false, multipoint: false,
  detectMult: 3, myDiscriminator: 0x7777, yourDiscriminator: 0, desiredMinTxUs: 1_000_000, requiredMinRxUs: 10_000, requiredMinEchoRxUs: 0,
  ...over,
});

test('a fresh active session sends Down at once, advertising idle_tx, then runs at the idle rate', () => {
  const s = new BfdSession(cfg({ name: 's', localDiscriminator: 42 }), 0, () => 0);
  assert.deepEqual(s.start(0), [
    { type: 'send', packet: pkt({ state: 'Down', detectMult: 5, myDiscriminator: 42, yourDiscriminator: 0, desiredMinTxUs: 1_000_000, requiredMinRxUs: 10_000 }) },
    { type: 'arm', timer: 'tx', at: 1_000_000 },
  ]);
  assert.deepEqual(s.start(5), [], 'start is idempotent');
  assert.equal(s.txIntervalUs, 1_000_000);
  assert.deepEqual(s.expire('detect', 10), [], 'a timer that is not armed does nothing');
  assert.equal(s.deadline('detect'), null);
  const acts = s.expire('tx', 1_000_000);
  assert.equal(acts.length, 2);
  assert.equal(acts[0]!.type, 'send');
  assert.deepEqual(acts[1], { type: 'arm', timer: 'tx', at: 2_000_000 });
  assert.equal(s.counters.packetsOut, 2);
});

test('two sessions come Up through Down->Init->Up and then run at min_tx/min_rx after a poll sequence', () => {
  const l = upPair();
  const [a, b] = l.nodes;
  assert.deepEqual(a.transitions(), ['Down->Init', 'Init->Up']);
  assert.deepEqual(b.transitions(), ['Down->Init', 'Init->Up']);
  for (const n of l.nodes) assert.ok(n.states.every((c) => c.v.diag === 0));
  assert.equal(a.s.remoteDiscriminator, 0x0b0b0b0b);
  assert.equal(b.s.remoteDiscriminator, 0x0a0a0a0a);

  // Negotiated rates and detection times.
  assert.equal(a.s.txIntervalUs, 50_000);
  assert.equal(b.s.txIntervalUs, 100_000);
  assert.equal(a.s.detectionTimeUs, 500_000);
  assert.equal(b.s.detectionTimeUs, 150_000);
  assert.equal(a.s.pollPending, false);
  assert.equal(b.s.pollPending, false);

  // While not Up the packets advertise idle_tx; once Up, min_tx. min_rx always.
  for (const [n, c] of [[a, A_CFG], [b, B_CFG]] as const) {
    for (const p of n.sent.map((x) => x.v)) {
      assert.equal(p.desiredMinTxUs, p.state === 'Up' ? c.desiredMinTxUs : c.idleTxUs);
      assert.equal(p.requiredMinRxUs, c.requiredMinRxUs);
    }
  }

  // A poll sequence took place, and each Poll was answered by a Final on arrival.
  const polls = [...a.sent.map((x) => ({ ...x, from: 0 })), ...b.sent.map((x) => ({ ...x, from: 1 }))].filter((x) => x.v.poll);
  assert.ok(polls.length > 0, 'no Poll sent');
  for (const p of polls) {
    assert.equal(p.v.state, 'Up');
    const answer = l.nodes[1 - p.from]!.sent.find((x) => x.at === p.at + LATENCY && x.v.final);
    assert.ok(answer, `Poll at ${p.at} not answered with a Final at ${p.at + LATENCY}`);
  }
  assert.ok([...a.sent, ...b.sent].every((x) => !(x.v.poll && x.v.final)));

  // Steady state: periodic packets at 75-100% of the negotiated interval.
  for (const [n, tx] of [[a, 50_000], [b, 100_000]] as const) {
    const late = n.sent.filter((x) => x.at >= 5_000_000);
    assert.ok(late.length > 10);
    assert.ok(late.every((x) => x.v.state === 'Up' && !x.v.poll && !x.v.final));
    for (let i = 1; i < late.length; i++) {
      const gap = late[i]!.at - late[i - 1]!.at;
      assert.ok(gap >= tx * 0.75 && gap <= tx, `${n.s.name}: gap ${gap}`);
    }
  }
});

test('silence from one side takes the other Down with diag 1 exactly one detection time after the last packet', () => {
  const l = upPair();
  const [a, b] = l.nodes;
  l.blocked[1] = true; // B's packets no longer reach A
  l.runUntil(12_000_000);
  const lastHeard = a.received.filter((x) => x.at <= 10_000_000).at(-1)!.at;
  const down = a.states.find((c) => c.v.to === 'Down')!;
  assert.deepEqual(down.v, { from: 'Up', to: 'Down', diag: 1 });
  assert.equal(down.at, lastHeard + 500_000);
  assert.equal(a.s.localDiag, 1);

  // A forgot B's discriminator and fell back to the idle rate: max(idle 1 s, B min_rx 30 ms).
  const firstDown = a.sent.find((x) => x.at >= down.at)!;
  assert.deepEqual(
    { state: firstDown.v.state, diag: firstDown.v.diag, your: firstDown.v.yourDiscriminator, tx: firstDown.v.desiredMinTxUs },
    { state: 'Down', diag: 1, your: 0, tx: 1_000_000 },
  );
  // The transmission already scheduled at the fast rate still goes; the idle rate follows.
  assert.ok(firstDown.at - down.at <= 50_000);
  const after = a.sent.filter((x) => x.at > firstDown.at && x.at < 12_000_000);
  assert.ok(after.length >= 1);
  assert.ok(after[0]!.at - firstDown.at >= 750_000);

  // B hears A's Down and follows with diag 3 when that packet arrives.
  const bDown = b.states.find((c) => c.v.to === 'Down')!;
  assert.deepEqual(bDown.v, { from: 'Up', to: 'Down', diag: 3 });
  assert.equal(bDown.at, firstDown.at + LATENCY);
});

test('AdminDown: one packet with diag 7, the peer goes Down with diag 3 and stays there; restart brings both Up again', () => {
  const l = upPair();
  const [a, b] = l.nodes;
  const sentBefore = a.sent.length;
  const acts = a.s.stop(l.now);
  assert.deepEqual(acts.filter((x) => x.type !== 'send'), [
    { type: 'disarm', timer: 'tx' },
    { type: 'disarm', timer: 'detect' },
    { type: 'state', from: 'Up', to: 'AdminDown', diag: 7 },
  ]);
  const stopAt = l.now;
  l.apply(0, acts);
  assert.deepEqual(a.sent.slice(sentBefore).map((x) => [x.v.state, x.v.diag]), [['AdminDown', 7]]);
  assert.deepEqual(a.s.stop(l.now), [], 'stop is idempotent');

  l.runUntil(20_000_000);
  assert.equal(a.sent.length, sentBefore + 1, 'nothing more from A');
  assert.deepEqual(b.states.at(-1), { at: stopAt + LATENCY, v: { from: 'Up', to: 'Down', diag: 3 } });
  assert.equal(b.s.state, 'Down');
  assert.ok(a.s.counters.packetsDropped > 0, "B's packets are discarded while AdminDown");

  l.start(0);
  assert.equal(a.s.state, 'Down');
  l.runUntil(30_000_000);
  assert.equal(a.s.state, 'Up');
  assert.equal(b.s.state, 'Up');
});

test("stop with announce: false is keepalived's silent stop: the peer times out with diag 1", () => {
  const l = upPair();
  const [a, b] = l.nodes;
  const before = a.sent.length;
  l.stop(0, false);
  assert.equal(a.sent.length, before);
  l.runUntil(11_000_000);
  const down = b.states.find((c) => c.v.to === 'Down')!;
  assert.equal(down.v.diag, 1);
  assert.equal(down.at, b.received.at(-1)!.at + 150_000);
});

test('a passive session sends nothing until it hears its peer, then comes Up; it falls silent again when the peer does', () => {
  const l = pair(A_CFG, { ...B_CFG, passive: true });
  const [a, b] = l.nodes;
  l.start(1);
  l.runUntil(5_000_000);
  assert.equal(b.sent.length, 0);
  assert.equal(b.timers.size, 0);

  l.start(0);
  l.runUntil(15_000_000);
  const firstHeard = b.received[0]!.at;
  assert.equal(firstHeard, 5_000_000 + LATENCY);
  assert.ok(b.sent[0]!.at > firstHeard, 'no immediate answer to a packet without Poll');
  assert.equal(a.s.state, 'Up');
  assert.equal(b.s.state, 'Up');

  l.blocked[0] = true; // A's packets no longer reach B
  l.runUntil(25_000_000);
  const down = b.states.find((c) => c.v.to === 'Down')!;
  assert.equal(down.v.diag, 1);
  assert.ok(b.sent.every((x) => x.at <= down.at + 100_000), 'passive B keeps quiet after its peer went silent');
  assert.equal(b.timers.has('tx'), false);
  assert.equal(a.s.state, 'Down');
});

for (const mult of [5, 1]) {
  const [lo, hi] = mult === 1 ? [0.75, 0.9] : [0.75, 1];
  test(`transmit jitter with multiplier ${mult} stays within ${lo * 100}-${hi * 100}% of the interval`, () => {
    const r = new Prng(7 + mult);
    const s = new BfdSession(cfg({ name: 'j', localDiscriminator: 9, multiplier: mult }), 0, () => r.next());
    let at = s.start(0).find((x) => x.type === 'arm')!;
    let prev = 0;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < 10_000; i++) {
      assert.ok(at.type === 'arm');
      const gap = at.at - prev;
      min = Math.min(min, gap);
      max = Math.max(max, gap);
      prev = at.at;
      at = s.expire('tx', prev).find((x) => x.type === 'arm')!;
    }
    assert.ok(min >= lo * 1_000_000 && max <= hi * 1_000_000, `${min}..${max}`);
    // ...and covers that range.
    assert.ok(min < lo * 1_000_000 + 5_000 && max > hi * 1_000_000 - 5_000, `${min}..${max}`);

    // The bounds are inclusive at the extremes of the random source.
    for (const [rv, gap] of [[0, hi], [0.999_999_99, lo]] as const) {
      const t = new BfdSession(cfg({ name: 'k', localDiscriminator: 9, multiplier: mult }), 0, () => rv);
      assert.deepEqual(t.start(0).at(-1), { type: 'arm', timer: 'tx', at: gap * 1_000_000 });
    }
  });
}

test('packets with a wrong non-zero your discriminator, or failing the checks, are ignored', () => {
  const s = new BfdSession(cfg({ name: 's', localDiscriminator: 0x1234 }), 0, () => 0.5);
  assert.deepEqual(s.receive(pkt({}), 0), [], 'nothing is processed before start');
  s.start(0);
  for (const bad of [
    pkt({ yourDiscriminator: 0x1235 }),
    pkt({ state: 'Init', yourDiscriminator: 0x9999 }),
    pkt({ detectMult: 0 }),
    pkt({ myDiscriminator: 0 }),
    pkt({ state: 'Up', yourDiscriminator: 0 }),
    pkt({ authPresent: true }),
    pkt({ multipoint: true }),
    pkt({ poll: true, final: true }),
    pkt({ diag: 9 }),
  ]) {
    assert.deepEqual(s.receive(bad, 10), []);
  }
  assert.equal(s.state, 'Down');
  assert.equal(s.remoteDiscriminator, 0);
  assert.deepEqual(s.counters, { packetsIn: 0, packetsOut: 1, packetsDropped: 10, stateChanges: 0 });
  // The right one (or zero) is accepted.
  s.receive(pkt({ yourDiscriminator: 0x1234 }), 20);
  assert.equal(s.state, 'Init');
  assert.equal(s.counters.packetsIn, 1);
});

test('a Poll is answered at once with a Final carrying the current state; a Final ends our poll', () => {
  const s = new BfdSession(cfg({ name: 's', localDiscriminator: 5 }), 0, () => 0);
  s.start(0);
  s.receive(pkt({ state: 'Down' }), 1_000);
  assert.equal(s.state, 'Init');
  // Up on the peer's Init: we now want min_tx, so a Poll Sequence starts.
  s.receive(pkt({ state: 'Init', yourDiscriminator: 5 }), 2_000);
  assert.equal(s.state, 'Up');
  assert.equal(s.pollPending, true);
  const periodic = s.expire('tx', 3_000).find((x) => x.type === 'send');
  assert.ok(periodic?.type === 'send');
  assert.deepEqual([periodic.packet.poll, periodic.packet.final, periodic.packet.desiredMinTxUs], [true, false, 10_000]);
  // Still at the idle rate: the new interval waits for the Final.
  assert.equal(s.txIntervalUs, 1_000_000);

  // The peer's Final ends the sequence and the fast rate applies at once.
  const fin = s.receive(pkt({ state: 'Up', final: true, yourDiscriminator: 5, desiredMinTxUs: 10_000 }), 4_000);
  assert.equal(s.pollPending, false);
  assert.equal(s.txIntervalUs, 10_000);
  assert.equal(s.detectionTimeUs, 3 * 10_000);
  assert.ok(fin.some((x) => x.type === 'arm' && x.timer === 'tx' && x.at <= 4_000 + 10_000));
  assert.ok(fin.some((x) => x.type === 'arm' && x.timer === 'detect' && x.at === 4_000 + 30_000));

  // A Poll from the peer (it slows down to 40 ms): answered immediately, the new detection time applies.
  const ans = s.receive(pkt({ state: 'Up', poll: true, yourDiscriminator: 5, desiredMinTxUs: 40_000 }), 5_000);
  const sent = ans.filter((x) => x.type === 'send');
  assert.equal(sent.length, 1);
  assert.ok(sent[0]!.type === 'send');
  assert.deepEqual([sent[0]!.packet.final, sent[0]!.packet.poll, sent[0]!.packet.state], [true, false, 'Up']);
  assert.equal(s.detectionTimeUs, 3 * 40_000);
  // ...and without Poll or Final an Up session keeps its intervals.
  s.receive(pkt({ state: 'Up', yourDiscriminator: 5, desiredMinTxUs: 80_000 }), 6_000);
  assert.equal(s.detectionTimeUs, 3 * 40_000);
});

test('when Up on a Poll, the Final carries the new min_tx and no Poll of ours follows', () => {
  const s = new BfdSession(cfg({ name: 's', localDiscriminator: 5 }), 0, () => 0);
  s.start(0);
  s.receive(pkt({ state: 'Down' }), 1_000);
  const acts = s.receive(pkt({ state: 'Up', poll: true, yourDiscriminator: 5 }), 2_000);
  assert.equal(s.state, 'Up');
  const sent = acts.find((x) => x.type === 'send');
  assert.ok(sent?.type === 'send');
  assert.deepEqual([sent.packet.final, sent.packet.poll, sent.packet.desiredMinTxUs], [true, false, 10_000]);
  assert.equal(s.pollPending, false);
});

test('Down: the peer is forgotten one detection time later (keepalived reset timer)', () => {
  const l = upPair();
  const [a, b] = l.nodes;
  // A forged Down from B, fed to A directly (the link is not run again afterwards).
  a.s.receive(pkt({ state: 'Down', myDiscriminator: 0x0b0b0b0b, yourDiscriminator: 0x0a0a0a0a, detectMult: 5, desiredMinTxUs: 2_000_000, requiredMinRxUs: 30_000 }), l.now);
  assert.equal(a.s.state, 'Down');
  assert.equal(a.s.localDiag, 3);
  assert.equal(a.s.remoteDiscriminator, 0x0b0b0b0b);
  const reset = a.s.deadline('detect')!;
  assert.equal(reset, l.now + a.s.detectionTimeUs);
  a.s.expire('detect', reset);
  assert.equal(a.s.remoteDiscriminator, 0);
  assert.equal(a.s.remoteState, 'Down');
  assert.equal(a.s.localDiag, 3, 'the diagnostic stays until the session rises');
  assert.equal(b.s.state, 'Up');
});

test('Init is not kept alive by packets (as keepalived): it falls to Down a detection time after entering it', () => {
  const s = new BfdSession(cfg({ name: 's', localDiscriminator: 5 }), 0, () => 0);
  s.start(0);
  // The peer never hears us: it keeps sending Down every second.
  const states: string[] = [];
  const record = (acts: BfdAction[], at: number): void => {
    for (const x of acts) if (x.type === 'state') states.push(`${at}:${x.from}->${x.to}/${x.diag}`);
  };
  for (let t = 100_000; t <= 7_100_000; t += 1_000_000) {
    const due = s.deadline('detect');
    if (due !== null && due <= t) record(s.expire('detect', due), due);
    record(s.receive(pkt({ state: 'Down' }), t), t);
  }
  // Detection time 3 × max(10 ms, 1 s) = 3 s from entering Init.
  assert.deepEqual(states, [
    '100000:Down->Init/0', '3100000:Init->Down/1', '3100000:Down->Init/0', '6100000:Init->Down/1', '6100000:Down->Init/0',
  ]);
});

test('newDiscriminator: an Up session going Down picks a new discriminator; packets for the old one are ignored', () => {
  const l = pair({ ...A_CFG, newDiscriminator: () => 0x0c0c0c0c });
  l.start(0);
  l.start(1);
  l.runUntil(10_000_000);
  const [a, b] = l.nodes;
  assert.equal(a.s.state, 'Up');
  l.blocked[1] = true;
  l.runUntil(11_000_000);
  assert.equal(a.s.state, 'Down');
  assert.equal(a.s.localDiscriminator, 0x0c0c0c0c);
  assert.equal(a.sent.at(-1)!.v.myDiscriminator, 0x0c0c0c0c);
  const dropped = a.s.counters.packetsDropped;
  a.s.receive(pkt({ state: 'Up', myDiscriminator: 0x0b0b0b0b, yourDiscriminator: 0x0a0a0a0a }), l.now);
  assert.equal(a.s.counters.packetsDropped, dropped + 1);
  // B learns the new value from A's Down and the session comes back.
  l.blocked[1] = false;
  l.runUntil(20_000_000);
  assert.equal(a.s.state, 'Up');
  assert.equal(b.s.remoteDiscriminator, 0x0c0c0c0c);
});

test('a peer in demand mode stops our periodic packets once both are Up', () => {
  const s = new BfdSession(cfg({ name: 's', localDiscriminator: 5 }), 0, () => 0);
  s.start(0);
  s.receive(pkt({ state: 'Down' }), 1_000);
  s.receive(pkt({ state: 'Init', yourDiscriminator: 5 }), 2_000);
  const acts = s.receive(pkt({ state: 'Up', demand: true, final: true, yourDiscriminator: 5 }), 3_000);
  assert.ok(acts.some((x) => x.type === 'disarm' && x.timer === 'tx'));
  assert.equal(s.deadline('tx'), null);
  const back = s.receive(pkt({ state: 'Up', yourDiscriminator: 5 }), 4_000);
  assert.ok(back.some((x) => x.type === 'arm' && x.timer === 'tx'));
});

test('status snapshot and configuration checks', () => {
  const l = upPair();
  const st = l.nodes[0].s.status();
  assert.equal(st.state, 'Up');
  assert.equal(st.localMinTxUs, 50_000);
  assert.equal(st.remoteMinTxUs, 20_000);
  assert.equal(st.remoteMinRxUs, 30_000);
  assert.equal(st.remoteMultiplier, 5);
  assert.equal(st.remoteTxIntervalUs, 100_000);
  assert.equal(st.remoteDetectionTimeUs, 3 * 50_000);
  assert.equal(st.counters.stateChanges, 2);
  assert.ok(st.counters.packetsIn > 0 && st.counters.packetsOut > 0);

  const ok = cfg({ name: 'x', localDiscriminator: 1 });
  assert.throws(() => new BfdSession({ ...ok, localDiscriminator: 0 }, 0, Math.random), RangeError);
  assert.throws(() => new BfdSession({ ...ok, localDiscriminator: 2 ** 32 }, 0, Math.random), RangeError);
  assert.throws(() => new BfdSession({ ...ok, multiplier: 0 }, 0, Math.random), RangeError);
  assert.throws(() => new BfdSession({ ...ok, multiplier: 256 }, 0, Math.random), RangeError);
  assert.throws(() => new BfdSession({ ...ok, idleTxUs: 999_999 }, 0, Math.random), RangeError);
  assert.throws(() => new BfdSession({ ...ok, desiredMinTxUs: 0 }, 0, Math.random), RangeError);
  assert.throws(() => new BfdSession({ ...ok, requiredMinRxUs: 1.5 }, 0, Math.random), RangeError);
});
