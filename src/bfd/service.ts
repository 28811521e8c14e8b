// The BFD child (keepalived's Keepalived_bfd): runs a session per bfd_instance over the
// sockets of transport.ts, each session's protocol in the pure BfdSession (session.ts), and
// tells the parent when a session goes up or down; the parent relays that to the VRRP child
// (track_bfd) and the checker child (BFD_CHECK), as keepalived's BFD process writes its
// event pipes. A session of its own process means a 10 ms BFD timer never waits behind a
// health check or a VRRP reload.
import { readFileSync } from 'node:fs';
import type { BfdInstance, KeepalivedConfig } from '../config/model.js';
import type { ChildContext, ChildService, DumpKind } from '../daemon/service.js';
import { applyProcessTuning } from '../daemon/process-tuning.js';
import { ServiceError } from '../daemon/service.js';
import { STATUS_VERSION, type BfdSessionStatus, type StatusSnapshot } from '../daemon/status.js';
import { systemClock } from '../vrrp/os/clock.js';
import type { ClockPort, TimerHandle } from '../vrrp/ports.js';
import { BFD_CONTROL_TTL, decodeBfdControl, diagName, encodeBfdControl, KEEPALIVED_IPV6_HOPLIMIT } from './codec.js';
import { BFD_MIN_IDLE_TX_US, BfdSession, type BfdAction } from './session.js';
import { SocketTransport, type BfdDatagram, type BfdFamily, type BfdSender, type BfdTransport } from './transport.js';

type TimerName = 'tx' | 'detect';

interface Running {
  spec: BfdInstance;
  family: BfdFamily;
  /** TTL / hop limit sent with, and expected (less max_hops) of what arrives. */
  ttl: number;
  fsm: BfdSession;
  sender: BfdSender;
  timers: Map<TimerName, { handle: TimerHandle; at: number }>;
  /** Up as last told to the parent; undefined before the first report. */
  reportedUp: boolean | undefined;
  /** Reports "down" if the session has not come up by then (see start()). */
  firstReport: TimerHandle | undefined;
  lastDetectUs: number;
  sendErrors: number;
}

export interface BfdServiceOptions {
  openTransport?: () => BfdTransport;
  clock?: ClockPort;
  random?: () => number;
}

const US_PER_MS = 1000;

export class BfdService implements ChildService {
  private transport: BfdTransport | undefined;
  private readonly sessions = new Map<string, Running>();
  private readonly clock: ClockPort;
  private readonly random: () => number;
  private badPackets = 0;
  /** keepalived's "Expired after" line of the detection timer being handled. */
  private expiredLine: string | undefined;

  constructor(private readonly ctx: ChildContext, private readonly opts: BfdServiceOptions = {}) {
    this.clock = opts.clock ?? systemClock();
    this.random = opts.random ?? Math.random;
  }

  async start(config: unknown): Promise<void> {
    const cfg = config as KeepalivedConfig;
    // bfd_priority, bfd_rt_priority, bfd_rlimit_rttime, bfd_cpu_affinity (not in unit tests' fakes).
    if (!this.opts.openTransport) applyProcessTuning(cfg.global?.bfdProcess, (l) => this.ctx.log.error(l));
    try {
      this.transport = this.opts.openTransport?.() ?? new SocketTransport(() => {
        try { return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'); } catch { return undefined; }
      });
    } catch (e) {
      throw new ServiceError(`BFD: cannot listen on UDP port 3784: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.transport.onDatagram((d) => this.receive(d), (e) => this.ctx.log.error(`BFD: receive error (${e.message})`));
    this.listenMultihop(cfg);
    for (const spec of cfg.bfdInstances ?? []) this.add(spec);
    return Promise.resolve();
  }

  /**
   * A session whose name, neighbour, source and timers are unchanged keeps its state and
   * discriminators (keepalived matches them by name); a changed one starts again, a removed
   * one says AdminDown and goes.
   */
  async reload(config: unknown): Promise<void> {
    const cfg = config as KeepalivedConfig;
    const wanted = new Map((cfg.bfdInstances ?? []).map((b) => [b.name, b]));
    for (const [name, r] of this.sessions) {
      const next = wanted.get(name);
      if (next && sameSession(r.spec, next)) {
        // Only where events go may change without touching the session.
        r.spec = next;
        wanted.delete(name);
        continue;
      }
      this.remove(r);
    }
    this.listenMultihop(cfg);
    for (const spec of wanted.values()) this.add(spec);
    return Promise.resolve();
  }

  /** The multihop port (4784) is listened on while a session needs it, as keepalived 2.2.8. */
  private listenMultihop(cfg: KeepalivedConfig): void {
    try {
      this.transport?.setMultihop((cfg.bfdInstances ?? []).some((b) => b.multihop));
    } catch (e) {
      this.ctx.log.error(`BFD: cannot listen on UDP port 4784 for multihop sessions: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  beginStop(): void {
    for (const r of this.sessions.values()) this.apply(r, r.fsm.stop(this.clock.now(), { announce: false }));
  }

  async stop(): Promise<void> {
    for (const r of [...this.sessions.values()]) this.remove(r);
    this.transport?.close();
    this.transport = undefined;
    return Promise.resolve();
  }

  dump(kind: DumpKind): Promise<string> {
    if (kind !== 'data') return Promise.resolve('');
    const lines = ['------< BFD Topology >------'];
    for (const r of this.sessions.values()) {
      const f = r.fsm;
      lines.push(
        ` BFD Instance = ${r.spec.name}`,
        `   Neighbor IP = ${r.spec.neighborIp?.address ?? ''}`,
        ...(r.spec.sourceIp ? [`   Source IP = ${r.spec.sourceIp.address}`] : []),
        `   Source port = ${r.sender.port}`,
        `   Required min RX interval = ${r.spec.minRxUs / US_PER_MS} ms`,
        `   Desired min TX interval = ${r.spec.minTxUs / US_PER_MS} ms`,
        `   Desired idle TX interval = ${r.spec.idleTxUs / US_PER_MS} ms`,
        `   Detection multiplier = ${r.spec.multiplier}`,
        `   ${r.spec.passive ? 'Passive' : 'Active'} mode`,
        `   Local state = ${f.state}, diagnostic = ${diagName(f.localDiag)}`,
        `   Remote state = ${f.remoteState}, diagnostic = ${diagName(f.remoteDiag)}`,
        `   Local discriminator = 0x${f.localDiscriminator.toString(16).padStart(8, '0')}`,
        `   Remote discriminator = 0x${f.remoteDiscriminator.toString(16).padStart(8, '0')}`,
        `   Detection time = ${f.detectionTimeUs} us`,
        `   Packets in/out = ${f.counters.packetsIn}/${f.counters.packetsOut}, bad ${this.badPackets}, send errors ${r.sendErrors}`,
      );
    }
    return Promise.resolve(`${lines.join('\n')}\n`);
  }

  status(): Promise<StatusSnapshot> {
    const nowUs = this.clock.now();
    const nowMs = Date.now();
    const bfd = [...this.sessions.values()].map((r): BfdSessionStatus => {
      const f = r.fsm;
      const c = f.counters;
      return {
        name: r.spec.name, neighbor: r.spec.neighborIp?.address ?? '', state: f.state, remoteState: f.remoteState,
        localDiag: diagName(f.localDiag), remoteDiag: diagName(f.remoteDiag),
        since: Math.round(nowMs - (nowUs - f.stateSince) / US_PER_MS),
        txIntervalUs: f.txIntervalUs, detectionTimeUs: f.detectionTimeUs, packetsIn: c.packetsIn, packetsOut: c.packetsOut,
      };
    });
    return Promise.resolve({ version: STATUS_VERSION, bfd });
  }

  private add(spec: BfdInstance): void {
    const nbr = spec.neighborIp;
    if (!nbr) return;
    const family: BfdFamily = nbr.family === 4 ? 'inet' : 'inet6';
    const ttl = family === 'inet' ? (spec.ttl ?? BFD_CONTROL_TTL) : (spec.hoplimit ?? spec.ttl ?? KEEPALIVED_IPV6_HOPLIMIT);
    let sender: BfdSender;
    try {
      sender = this.transport!.openSender({ family, dst: nbr.address, ttl, random: this.random, multihop: spec.multihop, ...(spec.sourceIp ? { src: spec.sourceIp.address } : {}) });
    } catch (e) {
      this.ctx.log.error(`(${spec.name}) cannot open its socket (${e instanceof Error ? e.message : String(e)}) - session not started`);
      return;
    }
    const now = this.clock.now();
    let fsm: BfdSession;
    try {
      fsm = new BfdSession({
        name: spec.name, localDiscriminator: this.newDiscriminator(), desiredMinTxUs: spec.minTxUs, requiredMinRxUs: spec.minRxUs,
        idleTxUs: spec.idleTxUs, multiplier: spec.multiplier, passive: spec.passive,
        // keepalived takes a new discriminator each time a session goes down.
        newDiscriminator: () => this.newDiscriminator(),
      }, now, this.random);
    } catch (e) {
      sender.close();
      this.ctx.log.error(`(${spec.name}) ${e instanceof Error ? e.message : String(e)} - session not started`);
      return;
    }
    const r: Running = { spec, family, ttl, fsm, sender, timers: new Map(), reportedUp: undefined, firstReport: undefined, lastDetectUs: 0, sendErrors: 0 };
    this.sessions.set(spec.name, r);
    // A session that does not come up within a detection time at the slow rate is reported
    // down. Not at once: a restarted BFD process would otherwise pull every tracker down for
    // the moment its sessions take to come up again.
    r.firstReport = this.clock.setTimer(now + spec.multiplier * Math.max(spec.idleTxUs, BFD_MIN_IDLE_TX_US), () => {
      r.firstReport = undefined;
      if (r.reportedUp === undefined) this.report(r, false);
    });
    this.apply(r, fsm.start(now));
  }

  private remove(r: Running): void {
    if (r.fsm.state !== 'AdminDown') this.apply(r, r.fsm.stop(this.clock.now(), { announce: false }));
    for (const t of r.timers.values()) this.clock.clearTimer(t.handle);
    r.timers.clear();
    if (r.firstReport) this.clock.clearTimer(r.firstReport);
    r.sender.close();
    this.sessions.delete(r.spec.name);
  }

  /** keepalived: a random non-zero discriminator, unique among the sessions. */
  private newDiscriminator(): number {
    const taken = new Set([...this.sessions.values()].map((r) => r.fsm.localDiscriminator));
    for (;;) {
      const d = Math.floor(this.random() * 0xffffffff) + 1;
      if (d <= 0xffffffff && !taken.has(d)) return d;
    }
  }

  private receive(d: BfdDatagram): void {
    const decoded = decodeBfdControl(d.data);
    if ('error' in decoded) {
      this.badPackets++;
      this.ctx.log.detail(`Discarding bogus packet from ${d.src}: ${decoded.error}`);
      return;
    }
    const p = decoded.packet;
    const r = p.yourDiscriminator !== 0 ? this.byDiscriminator(p.yourDiscriminator) : this.byAddress(d);
    if (!r) return;
    // RFC 5881 §5 (GTSM): single-hop packets arrive with the TTL they were sent with.
    if (r.spec.maxHops !== 255 && d.ttl !== 0 && r.spec.maxHops + d.ttl < r.ttl) return;
    this.apply(r, r.fsm.receive(p, this.clock.now()));
    const detect = r.fsm.detectionTimeUs;
    if (detect !== r.lastDetectUs) {
      this.ctx.log.info(`${' '.repeat(r.spec.name.length + 2)} Detection time is ${detect} us (was ${r.lastDetectUs} us)`);
      r.lastDetectUs = detect;
    }
  }

  private byDiscriminator(disc: number): Running | undefined {
    for (const r of this.sessions.values()) if (r.fsm.localDiscriminator === disc) return r;
    return undefined;
  }

  private byAddress(d: BfdDatagram): Running | undefined {
    for (const r of this.sessions.values()) {
      if (r.family !== d.family || r.spec.multihop !== d.multihop || r.spec.neighborIp?.address !== d.src) continue;
      if (!r.spec.sourceIp || d.dst === undefined || r.spec.sourceIp.address === d.dst) return r;
    }
    return undefined;
  }

  private apply(r: Running, actions: BfdAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          try {
            r.sender.send(encodeBfdControl(a.packet));
          } catch (e) {
            // A neighbour that is gone (ENETUNREACH, EHOSTUNREACH) is BFD's to detect, not a crash.
            if (r.sendErrors++ === 0) this.ctx.log.error(`(${r.spec.name}) send error (${e instanceof Error ? e.message : String(e)})`);
          }
          break;
        case 'arm': {
          const old = r.timers.get(a.timer);
          if (old) this.clock.clearTimer(old.handle);
          const timer = a.timer;
          const at = a.at;
          const handle = this.clock.setTimer(at, () => {
            r.timers.delete(timer);
            if (this.sessions.get(r.spec.name) === r) this.expire(r, timer, at);
          });
          r.timers.set(timer, { handle, at });
          break;
        }
        case 'disarm': {
          const t = r.timers.get(a.timer);
          if (t) this.clock.clearTimer(t.handle);
          r.timers.delete(a.timer);
          break;
        }
        case 'state':
          this.stateChanged(r, a.from, a.to, a.diag);
          break;
      }
    }
  }

  private expire(r: Running, timer: TimerName, at: number): void {
    const now = this.clock.now();
    if (timer === 'detect' && r.fsm.state !== 'Down' && r.fsm.state !== 'AdminDown') {
      // Logged once the state change is reported (stateChanged), before its own line.
      this.expiredLine = `(${r.spec.name}) Expired after ${Math.round(r.fsm.detectionTimeUs / US_PER_MS)} ms (${Math.max(0, now - at)} usec overdue)`;
    }
    this.apply(r, r.fsm.expire(timer, now));
    this.flushExpired();
  }

  private flushExpired(): void {
    if (this.expiredLine === undefined) return;
    this.ctx.log.warn(this.expiredLine);
    this.expiredLine = undefined;
  }

  private stateChanged(r: Running, from: string, to: string, diag: number): void {
    // The report first: the trackers are waiting for it, the log is not.
    if (to === 'Up') this.report(r, true);
    // A peer that says AdminDown is being taken out of service, not failing: as keepalived
    // (and RFC 5882 §3.2), its trackers are not told.
    else if (from === 'Up' && !(to === 'Down' && r.fsm.remoteState === 'AdminDown')) this.report(r, false);
    this.flushExpired();
    const n = r.spec.name;
    if (to === 'Down') this.ctx.log.warn(`(${n}) Entering Down state (Local diagnostic - ${diagName(diag)}, Remote diagnostic - ${diagName(r.fsm.remoteDiag)})`);
    else if (to === 'AdminDown') this.ctx.log.warn(`(${n}) Entering AdminDown state`);
    else this.ctx.log.info(`(${n}) Entering ${to} state`);
  }

  private report(r: Running, up: boolean): void {
    r.reportedUp = up;
    this.ctx.emit({ type: 'bfd', name: r.spec.name, up, vrrp: r.spec.sendTo.vrrp, checker: r.spec.sendTo.checker });
  }
}

/** The same session: what the peer sees (addresses, port), the timers it negotiates. */
function sameSession(a: BfdInstance, b: BfdInstance): boolean {
  return a.neighborIp?.address === b.neighborIp?.address && a.sourceIp?.address === b.sourceIp?.address && a.multihop === b.multihop &&
    a.minRxUs === b.minRxUs && a.minTxUs === b.minTxUs && a.idleTxUs === b.idleTxUs && a.multiplier === b.multiplier &&
    a.passive === b.passive && a.ttl === b.ttl && a.hoplimit === b.hoplimit && a.maxHops === b.maxHops;
}

export function createBfdService(ctx: ChildContext, opts?: BfdServiceOptions): ChildService {
  return new BfdService(ctx, opts);
}
