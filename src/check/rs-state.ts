// Real-server and virtual-server state from checker states, keepalived's rules
// (ipwrapper.c): a real server is alive only while every one of its checkers is up; its
// effective weight is its configured weight plus what dynamic checkers (misc_dynamic,
// FILE_CHECK with a weight) contribute; a virtual server has quorum while the weights of
// its alive real servers add up to enough, with hysteresis. Pure: it returns the events
// a change causes and leaves acting on them (IPVS, scripts, mail) to the caller.
import type { RealServerSpec, VirtualServerSpec } from './types.js';

export const IPVS_WEIGHT_MAX = 2147483647;
/** A weighted checker result at or below this counts as a failed checker. */
export const IPVS_WEIGHT_FAULT = -2147483648;

/** What the LVS side consumes: put this real server in the pool (with this weight) or not. */
export interface RsStateChange {
  vs: string;
  rs: string;
  up: boolean;
  /** IPVS weight: the effective weight clamped to 0..INT32_MAX. */
  weight: number;
}

export interface QuorumChange {
  vs: string;
  up: boolean;
  /** Sum of the alive real servers' weights when it changed. */
  aliveWeight: number;
  /** With a sorry server: true while it must stand in for the real servers. */
  sorryServerActive: boolean;
}

export type CheckEvent =
  | { type: 'rs'; change: RsStateChange; cause: 'state' | 'weight' }
  | { type: 'quorum'; change: QuorumChange }
  | { type: 'script'; command: string; vs: string; rs?: string; state: 'UP' | 'DOWN' }
  | { type: 'alert'; vs: string; rs?: string; subject: string; body: string };

class RealServerState {
  readonly checkerUp: boolean[];
  readonly checkerWeight: number[];

  constructor(readonly spec: RealServerSpec) {
    this.checkerUp = spec.checkers.map((c) => !c.timing.alpha);
    this.checkerWeight = spec.checkers.map(() => 0);
  }

  get alive(): boolean {
    return this.checkerUp.every(Boolean);
  }

  get effectiveWeight(): number {
    return this.checkerWeight.reduce((a, b) => a + b, this.spec.weight);
  }

  get ipvsWeight(): number {
    return Math.min(IPVS_WEIGHT_MAX, Math.max(0, this.effectiveWeight));
  }
}

/** How a checker's `weight` result maps to its contribution to the RS weight. */
export type WeightMode = 'absolute' | 'delta';

export class VirtualServerState {
  private readonly servers: RealServerState[];
  private quorumUp: boolean;
  readonly quorum: number;
  readonly hysteresis: number;

  constructor(readonly spec: VirtualServerSpec) {
    this.servers = spec.realServers.map((rs) => new RealServerState(rs));
    const total = this.servers.reduce((a, s) => a + Math.max(0, s.spec.weight), 0);
    // keepalived clamps quorum to the sum of weights and hysteresis below quorum.
    this.quorum = Math.max(1, Math.min(spec.quorum, Math.max(1, total)));
    this.hysteresis = Math.max(0, Math.min(spec.hysteresis, this.quorum - 1));
    this.quorumUp = this.aliveWeight() >= this.quorum + this.hysteresis;
  }

  get hasQuorum(): boolean {
    return this.quorumUp;
  }

  aliveWeight(): number {
    return this.servers.reduce((a, s) => a + (s.alive ? s.ipvsWeight : 0), 0);
  }

  rsAlive(rs: number): boolean {
    return this.server(rs).alive;
  }

  rsWeight(rs: number): number {
    return this.server(rs).ipvsWeight;
  }

  /** The state to program at start: every real server's pool membership and the quorum. */
  initialEvents(): CheckEvent[] {
    const events: CheckEvent[] = this.servers.map((s) => ({ type: 'rs', cause: 'state', change: this.change(s) }));
    events.push({ type: 'quorum', change: this.quorumChange() });
    return events;
  }

  /**
   * A checker changed state, or (for dynamic checkers) reported a weight. `weight` is the
   * RS weight the checker asks for (misc_dynamic: exit status - 2), or with mode 'delta'
   * the amount it adds (FILE_CHECK).
   */
  checkerChanged(rs: number, checker: number, up: boolean, weight?: number, mode: WeightMode = 'absolute'): CheckEvent[] {
    const s = this.server(rs);
    if (checker < 0 || checker >= s.checkerUp.length) throw new RangeError(`real server ${s.spec.id} has no checker ${checker}`);
    const wasAlive = s.alive;
    const oldWeight = s.ipvsWeight;
    s.checkerUp[checker] = up;
    if (weight !== undefined) s.checkerWeight[checker] = mode === 'absolute' ? weight - s.spec.weight : weight;
    const events: CheckEvent[] = [];
    if (s.alive !== wasAlive) {
      events.push({ type: 'rs', cause: 'state', change: this.change(s) });
      const script = s.alive ? s.spec.notifyUp : s.spec.notifyDown;
      const state = s.alive ? 'UP' : 'DOWN';
      if (script) events.push({ type: 'script', command: script, vs: this.spec.id, rs: s.spec.id, state });
      if (s.spec.smtpAlert) {
        events.push({
          type: 'alert', vs: this.spec.id, rs: s.spec.id,
          subject: `Realserver [${s.spec.id}] of virtual server [${this.spec.id}] - ${state}`,
          body: `=> CHECK ${s.alive ? 'succeed' : 'failed'} on service <=`,
        });
      }
    } else if (s.alive && s.ipvsWeight !== oldWeight) {
      events.push({ type: 'rs', cause: 'weight', change: this.change(s) });
    }
    events.push(...this.evaluateQuorum());
    return events;
  }

  private evaluateQuorum(): CheckEvent[] {
    const w = this.aliveWeight();
    const before = this.quorumUp;
    if (this.quorumUp && (w === 0 || w < this.quorum - this.hysteresis)) this.quorumUp = false;
    else if (!this.quorumUp && w >= this.quorum + this.hysteresis) this.quorumUp = true;
    if (before === this.quorumUp) return [];
    const state = this.quorumUp ? 'UP' : 'DOWN';
    const events: CheckEvent[] = [{ type: 'quorum', change: this.quorumChange() }];
    const script = this.quorumUp ? this.spec.quorumUp : this.spec.quorumDown;
    if (script) events.push({ type: 'script', command: script, vs: this.spec.id, state });
    if (this.spec.smtpAlert) {
      const t = this.quorum + (this.quorumUp ? this.hysteresis : -this.hysteresis);
      events.push({
        type: 'alert', vs: this.spec.id, subject: `Virtualserver [${this.spec.id}] - ${state}`,
        body: this.quorumUp
          ? `=> Gained quorum ${this.quorum}+${this.hysteresis}=${t} <= ${w} <=`
          : `=> Lost quorum ${this.quorum}-${this.hysteresis}=${t} > ${w} <=`,
      });
    }
    return events;
  }

  private quorumChange(): QuorumChange {
    return {
      vs: this.spec.id, up: this.quorumUp, aliveWeight: this.aliveWeight(),
      sorryServerActive: !this.quorumUp && this.spec.sorryServer !== undefined,
    };
  }

  private change(s: RealServerState): RsStateChange {
    return { vs: this.spec.id, rs: s.spec.id, up: s.alive, weight: s.ipvsWeight };
  }

  private server(rs: number): RealServerState {
    const s = this.servers[rs];
    if (!s) throw new RangeError(`virtual server ${this.spec.id} has no real server ${rs}`);
    return s;
  }
}
