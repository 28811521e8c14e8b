// One BFD session (RFC 5880 asynchronous mode, RFC 5881 single hop), pure: events in
// (start, receive, expire, stop), actions out (send, arm/disarm a timer, state change).
// The clock is a parameter (µs, monotonic) and randomness is injected, so tests drive two
// sessions back to back deterministically.
//
// Behaviour follows keepalived 2.2.7's BFD process (keepalived/bfd/bfd_scheduler.c
// bfd_handle_packet, bfd_state_*, bfd_sender_thread, bfd_expire_thread, bfd_reset_thread,
// get_jitter; keepalived/bfd/bfd.c bfd_build_packet, bfd_*_tx_intv, bfd_set_poll) since we
// interoperate with it; where it departs from the RFC the comment says so.
//
// Not modelled: authentication, echo, our own demand mode (we never set D; a peer's D bit is
// honoured as keepalived does), discriminator demultiplexing and the RFC 5881 TTL check
// (the caller's, before `receive`).
//
// Local discriminators: keepalived gives each session a random non-zero 32-bit value that no
// other session of the process uses (bfd_data.c bfd_get_random_discr; it retries on
// collision), picked at configuration time and picked again whenever an Up session goes
// Down (bfd_scheduler.c bfd_state_down). The caller does the same: pass the first value as
// `localDiscriminator` and a generator as `newDiscriminator` (e.g. crypto.randomInt(1, 2**32)
// until unused), and look sessions up by `localDiscriminator` after each state change.

import {
  BFD_DIAG_ADMIN_DOWN,
  BFD_DIAG_DETECT_EXPIRED,
  BFD_DIAG_NEIGHBOR_DOWN,
  BFD_DIAG_NONE,
  bfdControlError,
  keepalivedSanityError,
  type BfdControl,
  type BfdState,
} from './codec.js';

export type BfdTimer = 'tx' | 'detect';

/**
 * What the caller must do. `arm` replaces any earlier deadline of that timer; when it is
 * reached call `expire(timer, now)`. At most one deadline per timer is outstanding.
 */
export type BfdAction =
  | { type: 'send'; packet: BfdControl }
  | { type: 'arm'; timer: BfdTimer; at: number }
  | { type: 'disarm'; timer: BfdTimer }
  | { type: 'state'; from: BfdState; to: BfdState; diag: number };

export interface BfdSessionConfig {
  name: string;
  /** Non-zero 32-bit value, unique among this process's sessions (see the header comment). */
  localDiscriminator: number;
  /** bfd.DesiredMinTxInterval while Up, µs (keepalived `min_tx`, default 10 ms). */
  desiredMinTxUs: number;
  /** bfd.RequiredMinRxInterval, µs (keepalived `min_rx`, default 10 ms). */
  requiredMinRxUs: number;
  /** bfd.DesiredMinTxInterval while not Up, µs, >= 1 s (keepalived `idle_tx`, default 1 s). */
  idleTxUs: number;
  /** bfd.DetectMult, 1..255 (keepalived `multiplier`, default 5). */
  multiplier: number;
  /** Do not transmit until the peer has been heard (keepalived `passive`). */
  passive: boolean;
  /**
   * A fresh discriminator for when an Up session goes Down (keepalived does this). Without
   * it the discriminator never changes, which is what RFC 5880 §6.8.1 describes.
   */
  newDiscriminator?: () => number;
}

/** keepalived 2.2.7's defaults (bfd.h BFD_*_DEFAULT, applied in bfd_data.c alloc_bfd), µs. */
export const BFD_DEFAULTS = {
  desiredMinTxUs: 10_000,
  requiredMinRxUs: 10_000,
  idleTxUs: 1_000_000,
  multiplier: 5,
} as const;

/** RFC 5880 §6.8.3: DesiredMinTxInterval >= 1 s while not Up; also keepalived's idle_tx floor. */
export const BFD_MIN_IDLE_TX_US = 1_000_000;

export interface BfdCounters {
  /** Packets accepted by `receive`. */
  packetsIn: number;
  packetsOut: number;
  /** Packets `receive` ignored (invalid, wrong discriminator, session stopped). */
  packetsDropped: number;
  stateChanges: number;
}

/** Everything a status dump needs (keepalived's bfd_dump_timers and dump_bfd fields). */
export interface BfdSessionStatus {
  name: string;
  state: BfdState;
  remoteState: BfdState;
  stateSince: number;
  localDiscriminator: number;
  remoteDiscriminator: number;
  localDiag: number;
  remoteDiag: number;
  /** What we advertise now as Desired Min TX (idle_tx unless Up). */
  localMinTxUs: number;
  localMinRxUs: number;
  localMultiplier: number;
  remoteMinTxUs: number;
  remoteMinRxUs: number;
  remoteMultiplier: number;
  remoteDemand: boolean;
  /** Our negotiated transmit interval (before jitter). */
  txIntervalUs: number;
  /** The peer's negotiated transmit interval, as we expect it. */
  remoteTxIntervalUs: number;
  detectionTimeUs: number;
  /** The peer's detection time of us: our multiplier × our transmit interval. */
  remoteDetectionTimeUs: number;
  poll: boolean;
  lastReceived: number | null;
  txAt: number | null;
  detectAt: number | null;
  counters: BfdCounters;
}

const U32_MAX = 0xffff_ffff;

function checkInterval(what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min || v > U32_MAX) throw new RangeError(`BFD ${what} must be an integer in ${min}..${U32_MAX} µs, got ${v}`);
}

export class BfdSession {
  readonly name: string;
  private readonly cfg: BfdSessionConfig;
  private readonly random: () => number;

  private running = false;
  private _state: BfdState = 'Down';
  private _remoteState: BfdState = 'Down';
  private _stateSince: number;
  private _localDiscr: number;
  private _remoteDiscr = 0;
  private _localDiag = BFD_DIAG_NONE;
  private _remoteDiag = BFD_DIAG_NONE;
  private remoteMinTxUs = 0;
  private remoteMinRxUs = 0;
  private remoteMult = 0;
  private remoteDemand = false;
  /** We have a Poll Sequence outstanding (RFC 5880 §6.5). */
  private poll = false;
  /** The next packet answers a Poll. */
  private final = false;
  /** keepalived's local_tx_intv / remote_tx_intv / local_detect_time / remote_detect_time. */
  private localTxUs: number;
  private remoteTxUs = 0;
  private detectUs = 0;
  private remoteDetectUs = 0;
  private lastRx: number | null = null;
  private txAt: number | null = null;
  /**
   * One timer, two jobs, as keepalived has two mutually exclusive threads: in Init/Up it is
   * the detection timer (bfd_expire_thread); in Down it is keepalived's reset timer
   * (bfd_reset_thread), which forgets the peer a detection time after the session fell.
   */
  private detectAt: number | null = null;
  private readonly ctr: BfdCounters = { packetsIn: 0, packetsOut: 0, packetsDropped: 0, stateChanges: 0 };

  constructor(config: BfdSessionConfig, now: number, random: () => number) {
    const d = config.localDiscriminator;
    if (!Number.isInteger(d) || d < 1 || d > U32_MAX) throw new RangeError(`BFD local discriminator must be in 1..${U32_MAX}, got ${d}`);
    if (!Number.isInteger(config.multiplier) || config.multiplier < 1 || config.multiplier > 255) {
      throw new RangeError(`BFD multiplier must be in 1..255, got ${config.multiplier}`);
    }
    checkInterval('desired min TX', config.desiredMinTxUs, 1);
    checkInterval('required min RX', config.requiredMinRxUs, 1);
    checkInterval('idle TX', config.idleTxUs, BFD_MIN_IDLE_TX_US);
    this.cfg = { ...config };
    this.name = config.name;
    this.random = random;
    this._localDiscr = d;
    this._stateSince = now;
    // bfd.c bfd_init_state: the session starts at the idle rate.
    this.localTxUs = config.idleTxUs;
  }

  get state(): BfdState { return this._state; }
  get remoteState(): BfdState { return this._remoteState; }
  get stateSince(): number { return this._stateSince; }
  get localDiag(): number { return this._localDiag; }
  get remoteDiag(): number { return this._remoteDiag; }
  get localDiscriminator(): number { return this._localDiscr; }
  get remoteDiscriminator(): number { return this._remoteDiscr; }
  /** Negotiated transmit interval before jitter, µs. */
  get txIntervalUs(): number { return this.localTxUs; }
  /** Detection time, µs: remote multiplier × max(our min RX, remote desired min TX). 0 until heard. */
  get detectionTimeUs(): number { return this.detectUs; }
  /** True while a Poll Sequence of ours awaits its Final. */
  get pollPending(): boolean { return this.poll; }
  get counters(): Readonly<BfdCounters> { return { ...this.ctr }; }
  /** The outstanding deadline of a timer, or null. */
  deadline(timer: BfdTimer): number | null { return timer === 'tx' ? this.txAt : this.detectAt; }

  status(): BfdSessionStatus {
    return {
      name: this.name,
      state: this._state,
      remoteState: this._remoteState,
      stateSince: this._stateSince,
      localDiscriminator: this._localDiscr,
      remoteDiscriminator: this._remoteDiscr,
      localDiag: this._localDiag,
      remoteDiag: this._remoteDiag,
      localMinTxUs: this.advertisedMinTxUs(),
      localMinRxUs: this.cfg.requiredMinRxUs,
      localMultiplier: this.cfg.multiplier,
      remoteMinTxUs: this.remoteMinTxUs,
      remoteMinRxUs: this.remoteMinRxUs,
      remoteMultiplier: this.remoteMult,
      remoteDemand: this.remoteDemand,
      txIntervalUs: this.localTxUs,
      remoteTxIntervalUs: this.remoteTxUs,
      detectionTimeUs: this.detectUs,
      remoteDetectionTimeUs: this.remoteDetectUs,
      poll: this.poll,
      lastReceived: this.lastRx,
      txAt: this.txAt,
      detectAt: this.detectAt,
      counters: { ...this.ctr },
    };
  }

  /**
   * Begins the session in Down (again Down after `stop`, RFC 5880 §6.8.16). Like keepalived
   * at startup (bfd_scheduler.c bfd_register_workers), an active session sends one packet
   * at once and then every idle interval; a passive one stays silent until it hears.
   */
  start(now: number): BfdAction[] {
    const acts: BfdAction[] = [];
    if (this.running) return acts;
    this.running = true;
    if (this._state === 'AdminDown') {
      // Nothing was received while administratively down: forget the peer, as keepalived's
      // reset timer would have.
      this.forgetRemote();
      this.setState(acts, 'Down', this._localDiag, now);
    }
    if (!this.cfg.passive) {
      this.transmit(acts);
      this.armTx(acts, now);
    }
    return acts;
  }

  /**
   * RFC 5880 §6.8.6 reception of a packet the caller has matched to this session (by Your
   * Discriminator, or by addresses when it is zero) and TTL-checked.
   */
  receive(p: BfdControl, now: number): BfdAction[] {
    const acts: BfdAction[] = [];
    // §6.8.6: "If bfd.SessionState is AdminDown, discard the packet". (keepalived's AdminDown
    // only means its socket failed; it leaves it on any packet. Ours is `stop`.)
    if (!this.running || this._state === 'AdminDown') return this.drop(acts);
    if (bfdControlError(p) !== null || keepalivedSanityError(p) !== null) return this.drop(acts);
    if (p.yourDiscriminator !== 0 && p.yourDiscriminator !== this._localDiscr) return this.drop(acts);
    this.ctr.packetsIn++;

    const oldTxUs = this.localTxUs;
    this._remoteDiscr = p.myDiscriminator;
    this._remoteState = p.state;
    this._remoteDiag = p.diag;
    this.remoteMinRxUs = p.requiredMinRxUs;
    this.remoteMinTxUs = p.desiredMinTxUs;
    this.remoteDemand = p.demand;
    this.remoteMult = p.detectMult;

    // §6.8.6: a Final ends our Poll Sequence.
    if (p.final) this.poll = false;

    // The intervals in use change only while not Up, or on a Poll or Final once Up (§6.8.3:
    // a changed interval takes effect when its Poll Sequence completes). We run at min_tx
    // only once the peer says Up and we are at least Init; otherwise at idle_tx. Both are
    // bounded below by what the other side can receive (§6.8.2, §6.8.7).
    if (this._state !== 'Up' || p.poll || p.final) {
      const fast = this._remoteState === 'Up' && (this._state === 'Init' || this._state === 'Up');
      this.localTxUs = Math.max(fast ? this.cfg.desiredMinTxUs : this.cfg.idleTxUs, this.remoteMinRxUs);
      this.remoteTxUs = Math.max(this.cfg.requiredMinRxUs, this.remoteMinTxUs);
    }
    // §6.8.4, asynchronous mode: the remote's multiplier × the agreed remote transmit interval.
    this.detectUs = this.remoteMult * this.remoteTxUs;
    this.remoteDetectUs = this.cfg.multiplier * this.localTxUs;

    // A faster rate applies at once; a slower one from the next packet on (keepalived only
    // reschedules its sender when the interval shrinks).
    if (this.localTxUs < oldTxUs && this.txAt !== null) this.armTx(acts, now);

    // §6.8.6 state machine.
    if (this._remoteState === 'AdminDown' && this._state !== 'Down') {
      this.down(acts, BFD_DIAG_NEIGHBOR_DOWN, now);
    } else if (this._state === 'Down') {
      if (this._remoteState === 'Down') this.rise(acts, 'Init', now);
      else if (this._remoteState === 'Init') this.rise(acts, 'Up', now);
    } else if (this._state === 'Init') {
      if (this._remoteState === 'Init' || this._remoteState === 'Up') this.rise(acts, 'Up', now);
    } else if (this._state === 'Up' && this._remoteState === 'Down') {
      this.down(acts, BFD_DIAG_NEIGHBOR_DOWN, now);
    }

    // §6.8.7: a peer in Demand mode with both sides Up wants no periodic packets. Otherwise
    // transmit; this is also where a passive session starts, on the first packet it hears.
    if (this.remoteDemand && this._state === 'Up' && this._remoteState === 'Up') this.disarm(acts, 'tx');
    else if (this.txAt === null) this.armTx(acts, now);

    // §6.8.6: answer a Poll with a Final "as soon as practicable", without waiting for the
    // periodic timer; it carries the state just computed.
    if (p.poll) {
      this.final = true;
      this.transmit(acts);
    }

    this.lastRx = now;
    // The detection timer restarts with each packet only once Up: keepalived does not extend
    // it in Init (RFC 5880 §6.8.4 would), so a session stuck in Init falls back to Down a
    // detection time after entering Init and then rises again on the next packet.
    if (this._state === 'Up' && this.detectAt !== null) this.arm(acts, 'detect', now + this.detectUs);
    return acts;
  }

  /** A deadline from an earlier `arm` was reached. Calls for a timer not armed do nothing. */
  expire(timer: BfdTimer, now: number): BfdAction[] {
    const acts: BfdAction[] = [];
    if (timer === 'tx') {
      if (this.txAt === null) return acts;
      this.txAt = null;
      this.transmit(acts);
      this.armTx(acts, now);
      return acts;
    }
    if (this.detectAt === null) return acts;
    this.detectAt = null;
    if (this._state === 'Init' || this._state === 'Up') {
      // §6.8.1: RemoteDiscr is zeroed when a detection time passes in silence.
      this._remoteDiscr = 0;
      this.down(acts, BFD_DIAG_DETECT_EXPIRED, now);
    } else if (this._state === 'Down') {
      // keepalived's bfd_reset_thread (bfd.c bfd_reset_state): a detection time after going
      // Down, forget the peer's state, discriminator and any poll in progress.
      this.forgetRemote();
    }
    return acts;
  }

  /**
   * Takes the session administratively down (RFC 5880 §6.8.16): AdminDown, diag 7, timers
   * off, nothing received is processed until `start` again.
   *
   * keepalived 2.2.7 never sends AdminDown: it enters it only when its socket cannot be
   * opened (bfd_state_admindown cancels the sender), and on shutdown it just stops, so its
   * peer times out with diag 1. By default we send one AdminDown packet so the peer goes
   * Down at once with diag 3; `announce: false` reproduces keepalived's silence. Note a
   * keepalived peer does not pass a Down caused by our AdminDown to its VRRP/checker
   * processes (bfd_scheduler.c bfd_state_fall skips the event when the remote state is
   * AdminDown, per RFC 5882 §3.2), whereas a timeout is reported.
   */
  stop(now: number, opts: { announce?: boolean } = {}): BfdAction[] {
    const acts: BfdAction[] = [];
    if (this._state === 'AdminDown') return acts;
    const wasRunning = this.running;
    this.running = false;
    this.disarm(acts, 'tx');
    this.disarm(acts, 'detect');
    this.localTxUs = Math.max(this.cfg.idleTxUs, this.remoteMinRxUs);
    this.setState(acts, 'AdminDown', BFD_DIAG_ADMIN_DOWN, now);
    // §6.8.7: a passive session that never heard its peer must not transmit.
    if ((opts.announce ?? true) && wasRunning && (!this.cfg.passive || this._remoteDiscr !== 0)) this.transmit(acts);
    return acts;
  }

  // --- internals ---------------------------------------------------------------------

  /** Desired Min TX as advertised: idle_tx unless Up (bfd.c bfd_build_packet, RFC 5880 §6.8.3). */
  private advertisedMinTxUs(): number {
    return this._state === 'Up' ? this.cfg.desiredMinTxUs : this.cfg.idleTxUs;
  }

  /** Builds and emits one packet (bfd.c bfd_build_packet + bfd_sender_thread). */
  private transmit(acts: BfdAction[]): void {
    // Answering a Poll while our own is pending: the Final carries our new parameters, which
    // RFC 5880 §6.5 allows, and our Poll is dropped (a packet may not carry P and F).
    if (this.poll && this.final) this.poll = false;
    const packet: BfdControl = {
      diag: this._localDiag,
      state: this._state,
      poll: this.poll,
      final: this.final,
      cpi: false,
      authPresent: false,
      demand: false,
      multipoint: false,
      detectMult: this.cfg.multiplier,
      myDiscriminator: this._localDiscr,
      yourDiscriminator: this._remoteDiscr,
      desiredMinTxUs: this.advertisedMinTxUs(),
      // keepalived advertises min_rx in every state, Down included.
      requiredMinRxUs: this.cfg.requiredMinRxUs,
      requiredMinEchoRxUs: 0,
    };
    this.final = false;
    this.ctr.packetsOut++;
    acts.push({ type: 'send', packet });
  }

  /**
   * The next transmit interval, RFC 5880 §6.8.7: reduced by a random 0-25%, or by 10-25%
   * when our multiplier is 1. keepalived (bfd_scheduler.c get_jitter) tests the multiplier
   * for non-zero rather than for 1, so it always sends at 75-90%; we follow the RFC here
   * (both stay within what a peer may expect). Integer µs, bounds inclusive.
   */
  private jitteredIntervalUs(): number {
    const tx = this.localTxUs;
    const maxJitter = Math.floor(tx / 4);
    const minJitter = this.cfg.multiplier === 1 ? Math.floor(tx / 10) : 0;
    const r = this.random();
    const span = maxJitter - minJitter;
    const pick = Number.isFinite(r) && r > 0 ? Math.min(span, Math.floor((span + 1) * r)) : 0;
    return tx - (minJitter + pick);
  }

  private armTx(acts: BfdAction[], now: number): void {
    this.arm(acts, 'tx', now + this.jitteredIntervalUs());
  }

  private arm(acts: BfdAction[], timer: BfdTimer, at: number): void {
    if (timer === 'tx') this.txAt = at;
    else this.detectAt = at;
    acts.push({ type: 'arm', timer, at });
  }

  private disarm(acts: BfdAction[], timer: BfdTimer): void {
    if (this.deadline(timer) === null) return;
    if (timer === 'tx') this.txAt = null;
    else this.detectAt = null;
    acts.push({ type: 'disarm', timer });
  }

  private drop(acts: BfdAction[]): BfdAction[] {
    this.ctr.packetsDropped++;
    return acts;
  }

  private setState(acts: BfdAction[], to: BfdState, diag: number, now: number): void {
    const from = this._state;
    this._state = to;
    this._localDiag = diag;
    this._stateSince = now;
    this.ctr.stateChanges++;
    acts.push({ type: 'state', from, to, diag });
  }

  private forgetRemote(): void {
    this._remoteState = 'Down';
    this._remoteDiscr = 0;
    this._remoteDiag = BFD_DIAG_NONE;
    this.remoteDemand = false;
    this.poll = false;
    this.final = false;
    this.localTxUs = Math.max(this.cfg.idleTxUs, this.remoteMinRxUs);
  }

  /** Init or Up (bfd_scheduler.c bfd_state_init / bfd_state_up / bfd_state_rise). */
  private rise(acts: BfdAction[], to: 'Init' | 'Up', now: number): void {
    const from = this._state;
    // The RFC leaves LocalDiag alone on the way up; keepalived clears it.
    this.setState(acts, to, BFD_DIAG_NONE, now);
    // Leaving Down swaps the reset timer for the detection timer.
    if (from === 'Down' || this.detectAt === null) this.arm(acts, 'detect', now + this.detectUs);
    // §6.8.3: DesiredMinTxInterval goes from idle_tx to min_tx, which needs a Poll Sequence.
    // (keepalived skips it while a Final is pending, as the Final can carry the change.)
    if (to === 'Up' && this.cfg.idleTxUs !== this.cfg.desiredMinTxUs && !this.final) this.poll = true;
  }

  /** Down from Init or Up (bfd_scheduler.c bfd_state_down + bfd_state_fall). */
  private down(acts: BfdAction[], diag: number, now: number): void {
    const from = this._state;
    if (from === 'Up' && this.cfg.newDiscriminator) {
      const d = this.cfg.newDiscriminator();
      if (Number.isInteger(d) && d >= 1 && d <= U32_MAX) this._localDiscr = d;
    }
    this.setState(acts, 'Down', diag, now);
    // The detection timer becomes the reset timer, due a detection time from now.
    this.arm(acts, 'detect', now + this.detectUs);
    // §6.8.7: a passive session falls silent until it hears from the peer again.
    if (this.cfg.passive) this.disarm(acts, 'tx');
    // §6.8.3: back to idle_tx while not Up. No Poll Sequence, and a pending transmission keeps
    // its deadline: the slower rate applies from the next one (as keepalived).
    this.localTxUs = Math.max(this.cfg.idleTxUs, this.remoteMinRxUs);
  }
}
