// The VRRP state machine of one instance, pure: `step(state, event, now)` returns the next
// state and the actions to perform, as data. The clock is a parameter (µs, monotonic), so
// tests replay it event by event (test/fixtures/vrrp-conformance).
//
// Behaviour follows keepalived 2.x (inventory §4.1.4–4.1.6: vrrp_state_backup,
// vrrp_state_master_rx/tx, vrrp_state_become_master, vrrp_state_leave_master/fault,
// try_up_instance, down_instance, vrrp_set_effective_priority) and its log wording, so
// users' log alerts keep matching. Sync groups are not modelled here.

import type { GarpTiming } from '../config/model.js';
import { compareAddresses, canonicalAddress, type AddressFamily } from './addr.js';
import type { VrrpAuth } from './auth.js';
import type { DecodedAdvert } from './codec.js';
import { checkAdvert, type PeerSpec, type ReceiveError, type ReceiveMeta, type ReceiveNote } from './receive-check.js';
import { masterDownIntervalUs, skewTimeUs, US_PER_CENTISECOND } from './timers.js';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';
export type TimerName = 'main' | 'garp-delay' | 'garp-refresh' | 'garp-lower-prio' | 'garp-extra-if' | 'rogue-owner';

/**
 * Why an instance is in FAULT. `interface` is the instance's own interface (ignored with
 * dont_track_primary); `vip-interface:IF` another interface one of its VIPs lives on.
 */
export type FaultReason = 'interface' | 'base-interface' | 'tracker' | 'no-source-ip' | 'duplicate-vrid' | 'config-error' | `tracker:${string}` | `vip-interface:${string}`;

export const VRRP_PRIO_OWNER = 255;

/** Accept_Mode False: while MASTER the VIPs are not this host's to use (the address owner always may). */
export function blocksVips(c: Pick<FsmConfig, 'accept' | 'basePriority'>): boolean {
  return !c.accept && c.basePriority !== VRRP_PRIO_OWNER;
}

/**
 * The GARP/NA timing the state machine follows: the configuration's, field for field, and
 * the period of garp_extra_if (µs; absent or 0: off, as when no VIP is on another interface).
 */
export type GarpConfig = GarpTiming & { extraIfUs?: number };

export const DEFAULT_GARP: GarpConfig = {
  masterDelayUs: 5_000_000,
  masterRepeat: 5,
  masterRefreshUs: 0,
  masterRefreshRepeat: 1,
  lowerPrioDelayUs: 5_000_000,
  lowerPrioRepeat: 5,
};

/** Everything the state machine needs to know about its instance (already normalised, see spec.ts). */
export interface FsmConfig {
  name: string;
  version: 2 | 3;
  family: AddressFamily;
  vrid: number;
  /** Configured priority 1..255 (255 = address owner). */
  basePriority: number;
  /** Own advert interval, µs (v2 whole seconds, v3 whole centiseconds). */
  advertIntUs: number;
  downTimerAdverts: number;
  /** `state MASTER`. */
  wantMaster: boolean;
  nopreempt: boolean;
  preemptDelayUs: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  ownerIgnoreAdverts: boolean;
  skipCheckAdvAddr: boolean;
  checkUnicastSource: boolean;
  unicast: boolean;
  peers: PeerSpec[];
  auth: VrrpAuth;
  v3ChecksumAsV2: boolean;
  /** See VrrpInstanceSpec.unicastChecksum. */
  unicastChecksum: 'auto' | 'old' | 'never';
  /** The pseudo-header destination of the old unicast checksum (the IPv4 multicast group). */
  oldChecksumGroup: string;
  /** Advertised VIPs. */
  vips: string[];
  /** Our address in adverts; breaks equal-priority ties. */
  sourceAddress?: string;
  /** Accept_Mode; when false (and not owner) traffic to VIPs is dropped while MASTER. */
  accept: boolean;
  dontTrackPrimary: boolean;
  /** vrrp_startup_delay: adverts ignored and timers start after it. */
  startupDelayUs: number;
  garp: GarpConfig;
}

export type StatName =
  | 'advertRcvd' | 'advertSent' | 'becomeMaster' | 'releaseMaster' | 'priZeroRcvd' | 'priZeroSent'
  | 'packetLenErr' | 'ipTtlErr' | 'versErr' | 'invalidAuthtype' | 'authtypeMismatch' | 'authFailure'
  | 'invalidTypeRcvd' | 'chkErr' | 'addrListErr' | 'droppedAdverts';

export type Stats = Record<StatName, number>;

export interface FsmState {
  state: VrrpState;
  wantState: 'BACKUP' | 'MASTER' | 'FAULT';
  effectivePriority: number;
  totalPriority: number;
  masterAdverIntUs: number;
  msDownTimerUs: number;
  /** When the main timer (advert as MASTER, master down as BACKUP) fires; null when none. */
  deadline: number | null;
  preemptTime: number | null;
  masterAddress: string | null;
  masterPriority: number;
  vipsSet: boolean;
  faults: readonly string[];
  delayedStartUntil: number | null;
  /** Rate-limited log keys already logged since the last state/master change. */
  rlFlags: readonly string[];
  ahLastSeq: number;
  /** VRRPv3 IPv4 unicast adverts are checksummed the pre-1.3.6 way (configured, or seen from a peer). */
  oldUnicastChecksum: boolean;
  /** Both we and another router claim 255: our adverts left before the rogue must have backed off. */
  rogueCounter: number;
  rogueAdverIntUs: number;
  /** The rogue-owner timer runs until this time (null when not running). */
  rogueUntil: number | null;
  stopped: boolean;
  stats: Stats;
}

export type FsmEvent =
  /** `ownerAsBackup`: an address owner in a sync group that does not start MASTER starts as BACKUP. */
  | { type: 'start'; ownerAsBackup?: boolean }
  /**
   * A timer fired. `mayBecomeMaster: false` (sync groups: another member does not want
   * MASTER yet) keeps a BACKUP from taking over when its master-down timer expires.
   */
  | { type: 'timer'; timer: TimerName; mayBecomeMaster?: boolean }
  /** Sync group: another member moved the group to this state. */
  | { type: 'sync'; to: 'MASTER' | 'BACKUP' | 'FAULT' }
  | { type: 'packet'; advert: DecodedAdvert; meta: ReceiveMeta }
  /** `holdFault` (sync groups): another member is still faulty, so clearing ours does not leave FAULT. */
  | { type: 'fault'; reason: FaultReason; active: boolean; holdFault?: boolean }
  /** Total priority from tracking (base ± weights); clamped to 1..254 here. */
  | { type: 'priority'; total: number }
  /** One of our VIPs (without no_track) was deleted behind our back while MASTER. */
  | { type: 'vip-deleted' }
  /** Daemon stop, or (`deleted`) the instance removed by a reload. */
  | { type: 'shutdown'; deleted?: boolean };

/** DELETED: the instance was removed by a reload (keepalived reports FAULT unless notify_deleted). */
export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';

export type FsmAction =
  | { type: 'send-advert'; priority: number }
  | { type: 'add-vips' }
  | { type: 'remove-vips' }
  | { type: 'accept-mode'; block: boolean }
  /** GARP / unsolicited NA burst for every VIP and eVIP. */
  | { type: 'announce'; repeat: number }
  /** Unicast: GARP/NA for our own source address on leaving FAULT, so the peer re-learns us. */
  | { type: 'announce-source' }
  /** garp_extra_if: one GARP/NA on each of the instance's other interfaces. */
  | { type: 'announce-extra-if' }
  | { type: 'set-timer'; timer: TimerName; at: number }
  | { type: 'cancel-timer'; timer: TimerName }
  | { type: 'notify'; state: NotifyState; priority: number }
  | { type: 'event'; event: 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY'; priority: number }
  | { type: 'log'; message: string };

export interface StepResult {
  state: FsmState;
  actions: FsmAction[];
}

const RECEIVE_ERROR_STAT: Record<ReceiveError, StatName> = {
  'ah-presence-mismatch': 'authtypeMismatch',
  'packet-length': 'packetLenErr',
  ttl: 'ipTtlErr',
  version: 'versErr',
  'invalid-auth-type': 'invalidAuthtype',
  'auth-type-mismatch': 'authtypeMismatch',
  'auth-failure': 'authFailure',
  'invalid-type': 'invalidTypeRcvd',
  'ip-total-length': 'packetLenErr',
  checksum: 'chkErr',
  'unicast-multicast-mismatch': 'addrListErr',
  'unicast-source-not-peer': 'addrListErr',
};

/** All counters at zero (a new instance; SIGRTMAX-1 after writing the stats). */
export function emptyStats(): Stats {
  return {
    advertRcvd: 0, advertSent: 0, becomeMaster: 0, releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 0,
    packetLenErr: 0, ipTtlErr: 0, versErr: 0, invalidAuthtype: 0, authtypeMismatch: 0, authFailure: 0,
    invalidTypeRcvd: 0, chkErr: 0, addrListErr: 0, droppedAdverts: 0,
  };
}

/** The state before `start`: INIT, nothing scheduled. */
export function initialState(c: FsmConfig): FsmState {
  return {
    state: 'INIT',
    wantState: c.wantMaster ? 'MASTER' : 'BACKUP',
    effectivePriority: c.basePriority,
    totalPriority: c.basePriority,
    masterAdverIntUs: c.advertIntUs,
    msDownTimerUs: masterDownIntervalUs(c.version, c.downTimerAdverts, c.advertIntUs, c.basePriority),
    deadline: null,
    preemptTime: null,
    masterAddress: null,
    masterPriority: 0,
    vipsSet: false,
    faults: [],
    delayedStartUntil: null,
    rlFlags: [],
    ahLastSeq: 0,
    oldUnicastChecksum: c.unicastChecksum === 'old',
    rogueCounter: 0,
    rogueAdverIntUs: 0,
    rogueUntil: null,
    stopped: false,
    stats: emptyStats(),
  };
}

/** A mutable working copy for one step; `finish` turns it back into a result. */
class Step {
  readonly s: FsmState;
  readonly out: FsmAction[] = [];
  private readonly startDeadline: number | null;

  constructor(readonly c: FsmConfig, prev: FsmState, readonly now: number) {
    // faults and rlFlags are shared with `prev` and replaced, never changed in place: most
    // steps (an advert sent or received) leave them alone, and this copy runs for every one.
    this.s = { ...prev, stats: { ...prev.stats } };
    this.startDeadline = prev.deadline;
  }

  finish(): StepResult {
    if (this.s.deadline !== this.startDeadline) {
      this.out.push(this.s.deadline === null ? { type: 'cancel-timer', timer: 'main' } : { type: 'set-timer', timer: 'main', at: this.s.deadline });
    }
    return { state: this.s, actions: this.out };
  }

  log(message: string): void {
    this.out.push({ type: 'log', message });
  }

  logLimited(note: ReceiveNote): void {
    if (this.s.rlFlags.includes(note.key)) return;
    this.s.rlFlags = [...this.s.rlFlags, note.key];
    this.log(note.message);
  }

  get n(): string {
    return this.c.name;
  }

  skew(): number {
    return skewTimeUs(this.c.version, this.s.masterAdverIntUs, this.s.effectivePriority);
  }

  msDown(): number {
    return masterDownIntervalUs(this.c.version, this.c.downTimerAdverts, this.s.masterAdverIntUs, this.s.effectivePriority);
  }

  /** vrrp_init_instance_sands: (re)arm the main timer for the current state. */
  initSands(): void {
    const base = this.s.delayedStartUntil !== null && this.s.delayedStartUntil > this.now ? this.s.delayedStartUntil : this.now;
    if (this.s.state === 'MASTER') this.s.deadline = base + this.c.advertIntUs;
    else if (this.s.state === 'BACKUP') this.s.deadline = base + this.s.msDownTimerUs;
    else this.s.deadline = null;
  }

  sendAdvert(priority: number): void {
    this.out.push({ type: 'send-advert', priority });
    this.s.stats.advertSent++;
    if (priority === 0) this.s.stats.priZeroSent++;
  }

  notify(state: NotifyState): void {
    this.out.push({ type: 'notify', state, priority: this.s.effectivePriority });
  }

  cancelGarpTimers(): void {
    this.out.push({ type: 'cancel-timer', timer: 'garp-delay' }, { type: 'cancel-timer', timer: 'garp-refresh' }, { type: 'cancel-timer', timer: 'garp-lower-prio' });
    if (this.c.garp.extraIfUs) this.out.push({ type: 'cancel-timer', timer: 'garp-extra-if' });
  }

  blocksVips(): boolean {
    return blocksVips(this.c);
  }

  // --- transitions -------------------------------------------------------------------

  start(ownerAsBackup: boolean): void {
    const { c, s } = this;
    if (c.startupDelayUs > 0) s.delayedStartUntil = this.now + c.startupDelayUs;
    const isUp = s.faults.length === 0;
    if (isUp && c.wantMaster && c.basePriority === VRRP_PRIO_OWNER && !ownerAsBackup) {
      // The address owner becomes master at once: time out of BACKUP after 1 µs.
      s.state = 'BACKUP';
      s.msDownTimerUs = 1;
    } else {
      s.msDownTimerUs = this.msDown();
      // Start clean: VIPs we may have left behind are removed (quietly if absent).
      this.out.push({ type: 'remove-vips' });
      if (isUp) {
        this.log(`(${this.n}) Entering BACKUP STATE (init)`);
        s.state = 'BACKUP';
        this.notify('BACKUP');
      } else {
        this.log(`(${this.n}) Entering FAULT STATE (init)`);
        s.state = 'FAULT';
        s.wantState = 'FAULT';
        this.notify('FAULT');
      }
    }
    this.initSands();
  }

  gotoMaster(): void {
    const s = this.s;
    s.wantState = 'MASTER';
    s.rlFlags = [];
    s.state = 'MASTER';
    this.initSands();
    this.masterTx();
  }

  masterTx(): void {
    // The advert goes first so the old master drops the VIPs before our GARPs arrive.
    this.sendAdvert(this.s.effectivePriority);
    const s = this.s;
    if (!s.vipsSet) {
      this.log(`(${this.n}) Entering MASTER STATE`);
      this.becomeMaster();
    } else if (this.c.basePriority === VRRP_PRIO_OWNER && s.rogueCounter > 0 && --s.rogueCounter === 0) {
      // Two of our adverts have gone out since the rogue owner's: give it "a bit more than"
      // one advert interval (1.2 x the longer one) to fall silent.
      s.rogueUntil = this.now + Math.floor((Math.max(s.rogueAdverIntUs, this.c.advertIntUs) * 12) / 10);
      this.out.push({ type: 'set-timer', timer: 'rogue-owner', at: s.rogueUntil });
    }
  }

  becomeMaster(): void {
    const { c, s } = this;
    s.stats.becomeMaster++;
    if (c.basePriority === VRRP_PRIO_OWNER && s.effectivePriority !== VRRP_PRIO_OWNER) {
      this.log(`(${this.n}) Restoring our priority to ${VRRP_PRIO_OWNER} since other address owner has disappeared`);
      s.effectivePriority = VRRP_PRIO_OWNER;
      s.totalPriority = VRRP_PRIO_OWNER;
    }
    s.masterAdverIntUs = c.advertIntUs;
    if (this.blocksVips()) this.out.push({ type: 'accept-mode', block: true });
    this.out.push({ type: 'add-vips' });
    s.vipsSet = true;
    this.out.push({ type: 'announce', repeat: c.garp.masterRepeat });
    if (c.garp.masterDelayUs > 0) this.out.push({ type: 'set-timer', timer: 'garp-delay', at: this.now + c.garp.masterDelayUs });
    if (c.garp.masterRefreshUs > 0) this.out.push({ type: 'set-timer', timer: 'garp-refresh', at: this.now + c.garp.masterDelayUs + c.garp.masterRefreshUs });
    if (c.garp.extraIfUs) this.out.push({ type: 'set-timer', timer: 'garp-extra-if', at: this.now + c.garp.masterDelayUs + c.garp.extraIfUs });
    this.notify('MASTER');
  }

  /** vrrp_restore_interface: drop what being master installed. */
  restoreInterface(advF: boolean): void {
    if (advF) this.sendAdvert(0);
    this.cancelGarpTimers();
    if (this.s.vipsSet) {
      this.out.push({ type: 'remove-vips' });
      if (this.blocksVips()) this.out.push({ type: 'accept-mode', block: false });
      this.s.vipsSet = false;
    }
  }

  leaveMaster(advF: boolean): void {
    const s = this.s;
    s.rlFlags = [];
    if (s.wantState === 'BACKUP') {
      this.log(`(${this.n}) Entering BACKUP STATE`);
      s.preemptTime = null;
    } else if (s.wantState === 'FAULT') {
      this.log(`(${this.n}) Entering FAULT STATE`);
      this.sendAdvert(0);
    }
    this.restoreInterface(advF);
    s.state = s.wantState;
    this.notify(s.state as NotifyState);
    s.msDownTimerUs = this.msDown();
    this.initSands();
    s.stats.releaseMaster++;
    if (s.rogueUntil !== null) this.out.push({ type: 'cancel-timer', timer: 'rogue-owner' });
    s.rogueUntil = null;
    s.rogueCounter = 0;
  }

  leaveFault(): void {
    const s = this.s;
    if (s.wantState === 'MASTER') {
      this.gotoMaster();
    } else {
      if (s.state !== s.wantState) this.log(`(${this.n}) Entering ${s.wantState} STATE`);
      if (s.wantState === 'FAULT' && s.state === 'MASTER') {
        this.sendAdvert(0);
        this.restoreInterface(false);
      }
      s.state = s.wantState;
      this.notify(s.state);
      if (s.state === 'BACKUP') s.preemptTime = null;
    }
    s.masterAdverIntUs = this.c.advertIntUs;
    s.msDownTimerUs = s.state === 'MASTER' ? s.msDownTimerUs : this.msDown();
    if (s.state !== 'MASTER') this.initSands();
  }

  // --- events ------------------------------------------------------------------------

  fault(reason: FaultReason, active: boolean, holdFault = false): void {
    const { c, s } = this;
    // dont_track_primary: neither the interface nor a VMAC's parent is tracked (keepalived).
    if ((reason === 'interface' || reason === 'base-interface') && c.dontTrackPrimary) return;
    const had = s.faults.length > 0;
    const idx = s.faults.indexOf(reason);
    if (active) {
      if (idx >= 0) return;
      s.faults = [...s.faults, reason].sort();
      if (s.state === 'INIT') return; // start() will enter FAULT
      if (!had && s.state !== 'FAULT') {
        s.wantState = 'FAULT';
        if (s.state === 'MASTER') this.leaveMaster(true);
        else this.leaveFault();
      }
      return;
    }
    if (idx < 0) return;
    s.faults = s.faults.filter((f) => f !== reason);
    if (s.faults.length > 0 || s.state === 'INIT') return;
    // try_up_instance
    const ownerMaster = c.wantMaster && c.basePriority === VRRP_PRIO_OWNER;
    s.wantState = ownerMaster ? 'MASTER' : 'BACKUP';
    s.masterAdverIntUs = c.advertIntUs;
    s.msDownTimerUs = ownerMaster ? s.masterAdverIntUs + this.skew() : this.msDown();
    if (holdFault) return;
    this.leaveFault();
    if (c.unicast && c.sourceAddress !== undefined) this.out.push({ type: 'announce-source' });
  }

  priority(total: number): void {
    const { c, s } = this;
    if (c.basePriority === VRRP_PRIO_OWNER) return;
    s.totalPriority = total;
    const next = Math.min(VRRP_PRIO_OWNER - 1, Math.max(1, Math.trunc(total)));
    if (next === s.effectivePriority) return;
    this.log(`(${this.n}) Changing effective priority from ${s.effectivePriority} to ${next}`);
    s.effectivePriority = next;
    const old = s.msDownTimerUs;
    s.msDownTimerUs = this.msDown();
    if (s.state === 'BACKUP' && s.deadline !== null) s.deadline += s.msDownTimerUs - old;
    if (s.state === 'MASTER') this.out.push({ type: 'event', event: 'MASTER_PRIORITY', priority: next });
    else if (s.state === 'BACKUP') this.out.push({ type: 'event', event: 'BACKUP_PRIORITY', priority: next });
  }

  timer(timer: TimerName, mayBecomeMaster = true): void {
    const { c, s } = this;
    if (timer === 'main') {
      if (s.deadline === null || this.now < s.deadline) return; // stale wake-up
      if (s.state === 'BACKUP' && !mayBecomeMaster) {
        // vrrp_sync_can_goto_master: wait (wanting MASTER) until the whole group wants it.
        s.wantState = 'MASTER';
        s.msDownTimerUs = this.msDown();
        this.initSands();
      } else if (s.state === 'BACKUP') this.gotoMaster();
      else if (s.state === 'MASTER') {
        this.masterTx();
        this.initSands();
      }
      return;
    }
    if (timer === 'rogue-owner') {
      if (s.rogueUntil !== null && this.now >= s.rogueUntil) {
        s.rogueUntil = null;
        this.log(`(${this.n}): rogue address owner appears to have stopped advertising`);
      }
      return;
    }
    if (s.state !== 'MASTER' || !s.vipsSet) return;
    if (timer === 'garp-delay') this.out.push({ type: 'announce', repeat: c.garp.masterRepeat });
    else if (timer === 'garp-lower-prio') this.out.push({ type: 'announce', repeat: c.garp.lowerPrioRepeat });
    else if (timer === 'garp-refresh') {
      this.out.push({ type: 'announce', repeat: c.garp.masterRefreshRepeat });
      this.out.push({ type: 'set-timer', timer: 'garp-refresh', at: this.now + c.garp.masterRefreshUs });
    } else if (timer === 'garp-extra-if' && c.garp.extraIfUs) {
      this.out.push({ type: 'announce-extra-if' });
      this.out.push({ type: 'set-timer', timer: 'garp-extra-if', at: this.now + c.garp.extraIfUs });
    }
  }

  /** Runs the receive checks; returns the advert's VRRP fields when accepted. */
  check(advert: DecodedAdvert, meta: ReceiveMeta, checkVips: boolean): boolean {
    const { c, s } = this;
    const r = checkAdvert(advert, meta, {
      name: c.name, version: c.version, family: c.family, auth: c.auth, advertIntervalUs: c.advertIntUs,
      unicast: c.unicast, v3ChecksumAsV2: c.v3ChecksumAsV2, effectivePriority: s.effectivePriority,
      ownerIgnoreAdverts: c.ownerIgnoreAdverts, vips: c.vips, checkVipAddresses: checkVips,
      checkUnicastSource: c.checkUnicastSource, peers: c.peers, ahLastSeq: s.ahLastSeq,
      oldChecksumGroup: s.oldUnicastChecksum ? c.oldChecksumGroup : undefined,
      detectOldChecksum: c.unicast && c.unicastChecksum === 'auto' && !s.oldUnicastChecksum ? c.oldChecksumGroup : undefined,
    });
    if (r.verdict === 'ko') {
      s.stats[RECEIVE_ERROR_STAT[r.error]]++;
      this.logLimited(r.note);
      return false;
    }
    if (r.verdict === 'drop') {
      s.stats.droppedAdverts++;
      if (r.note) this.logLimited(r.note);
      return false;
    }
    s.stats.advertRcvd++;
    if (r.addrListError) s.stats.addrListErr++;
    for (const note of r.notes) this.logLimited(note);
    if (r.ahSeq !== undefined) s.ahLastSeq = r.ahSeq;
    if (r.oldChecksum && !s.oldUnicastChecksum) {
      s.oldUnicastChecksum = true;
      this.log(`(${this.n}) Setting unicast VRRPv3 checksum to old version`);
    }
    if (advert.vrrp.priority === 0) s.stats.priZeroRcvd++;
    return true;
  }

  packet(advert: DecodedAdvert, meta: ReceiveMeta): void {
    const s = this.s;
    if (s.state === 'FAULT' || s.state === 'INIT') return;
    if (s.delayedStartUntil !== null && this.now < s.delayedStartUntil) return;
    if (s.state === 'BACKUP') {
      this.backupRx(advert, meta);
      this.initSands();
    } else if (s.state === 'MASTER') {
      const sent = this.s.stats.advertSent;
      if (this.masterRx(advert, meta)) {
        this.leaveMaster(false);
      } else if (this.s.stats.advertSent !== sent) {
        // keepalived restarts the advert timer after any received packet; we only do so
        // when we actually sent an advert, so a flood of bad packets cannot silence a master.
        this.initSands();
      }
    }
  }

  backupRx(advert: DecodedAdvert, meta: ReceiveMeta): void {
    const { c, s, now } = this;
    const src = canonicalAddress(c.family, meta.src) ?? meta.src;
    const masterChange = s.masterAddress !== src;
    let ignore = !this.check(advert, meta, masterChange || !c.skipCheckAdvAddr);
    const prio = advert.vrrp.priority;
    if (!ignore) {
      if (masterChange) s.rlFlags = [];
      if (c.basePriority === VRRP_PRIO_OWNER && s.effectivePriority === VRRP_PRIO_OWNER - 1 && (masterChange || prio !== VRRP_PRIO_OWNER)) {
        this.log(`(${this.n}) Restoring our priority to ${VRRP_PRIO_OWNER} since received advert with lower priority`);
        s.effectivePriority = VRRP_PRIO_OWNER;
        s.totalPriority = VRRP_PRIO_OWNER;
      }
      if (prio === 0) {
        // The master is leaving: take over after Skew_Time only.
        s.msDownTimerUs = this.skew();
      } else if (c.nopreempt || prio >= s.effectivePriority ||
        (c.preemptDelayUs > 0 && (s.preemptTime === null || s.preemptTime > now))) {
        if (c.version === 3) s.masterAdverIntUs = advert.vrrp.advertInterval * US_PER_CENTISECOND;
        s.msDownTimerUs = this.msDown();
        s.masterAddress = src;
        s.masterPriority = prio;
        if (c.preemptDelayUs > 0) {
          if (prio >= s.effectivePriority) s.preemptTime = null;
          else if (s.preemptTime === null) s.preemptTime = now + c.preemptDelayUs;
        }
        s.wantState = 'BACKUP';
      } else {
        this.log(`(${this.n}) received lower priority (${prio}) advert from ${meta.src} - discarding`);
        ignore = true;
        s.masterAddress = src;
      }
    }
    if (ignore) {
      // The running timer keeps its expiry.
      s.msDownTimerUs = s.deadline === null ? s.msDownTimerUs : Math.max(0, s.deadline - now);
    }
  }

  /** Returns true when the instance must leave MASTER for BACKUP. */
  masterRx(advert: DecodedAdvert, meta: ReceiveMeta): boolean {
    const { c, s } = this;
    if (!this.check(advert, meta, true)) return false;
    const prio = advert.vrrp.priority;
    let eff = s.effectivePriority;
    const cmp = c.sourceAddress === undefined ? 0 : Math.sign(compareAddresses(c.family, meta.src, c.sourceAddress));

    if (prio === 0 || (c.higherPrioSendAdvert && (prio > eff || (prio === eff && cmp > 0)))) {
      this.sendAdvert(eff);
      if (prio === 0) return false;
    }
    if (prio === eff) {
      if (cmp === 0) {
        this.log(`(${this.n}) WARNING - equal priority advert received from remote host with our IP address.`);
      } else if (eff === VRRP_PRIO_OWNER) {
        if (cmp > 0) {
          // Their address is higher: we give way (below), but this needs fixing.
          this.log(`(${this.n}) CONFIGURATION ERROR: local instance and ${meta.src} are both configured as address owner, please resolve`);
        } else if (s.rogueUntil !== null) {
          // The rogue kept advertising after our adverts: step down to avoid two masters.
          this.log(`(${this.n}) ${meta.src} is still advertising as address owner, please resolve - reducing our priority`);
          this.out.push({ type: 'cancel-timer', timer: 'rogue-owner' });
          s.rogueUntil = null;
          s.effectivePriority = VRRP_PRIO_OWNER - 1;
          s.totalPriority = VRRP_PRIO_OWNER - 1;
          eff = s.effectivePriority;
        } else {
          s.rogueAdverIntUs = c.version === 2 ? advert.vrrp.advertInterval * 1_000_000 : advert.vrrp.advertInterval * US_PER_CENTISECOND;
          if (s.rogueCounter === 0) {
            this.log(`(${this.n}) CONFIGURATION ERROR: local instance and ${meta.src} are both configured as address owner, please resolve`);
            s.rogueCounter = 2;
          }
        }
      }
    }
    if (prio < eff || (prio === eff && cmp < 0)) {
      this.log(`(${this.n}) Received advert from ${meta.src} with lower priority ${prio}, ours ${eff}${c.lowerPrioNoAdvert ? '' : ', forcing new election'}`);
      if (!c.lowerPrioNoAdvert) this.sendAdvert(eff);
      if (c.garp.lowerPrioRepeat > 0) {
        this.out.push({ type: 'announce', repeat: c.garp.lowerPrioRepeat });
        if (c.garp.lowerPrioDelayUs > 0) this.out.push({ type: 'set-timer', timer: 'garp-lower-prio', at: this.now + c.garp.lowerPrioDelayUs });
      }
      this.out.push({ type: 'event', event: 'MASTER_RX_LOWER_PRI', priority: eff });
      return false;
    }
    if (prio > eff || (prio === eff && cmp > 0)) {
      if (prio > eff && c.basePriority !== VRRP_PRIO_OWNER) {
        this.log(`(${this.n}) Master received advert from ${meta.src} with higher priority ${prio}, ours ${eff}`);
      } else {
        this.log(`(${this.n}) Master received advert from ${meta.src} with same priority ${prio} but higher IP address than ours`);
      }
      if (c.version === 3) s.masterAdverIntUs = advert.vrrp.advertInterval * US_PER_CENTISECOND;
      s.msDownTimerUs = this.msDown();
      s.masterAddress = canonicalAddress(c.family, meta.src) ?? meta.src;
      s.masterPriority = prio;
      s.wantState = 'BACKUP';
      return true;
    }
    return false;
  }

  /** vrrp_sync_master / _backup / _fault applied to this member. */
  sync(to: 'MASTER' | 'BACKUP' | 'FAULT'): void {
    const s = this.s;
    if (s.state === 'INIT') return;
    if (to === 'MASTER') {
      if (s.state === 'MASTER' || s.faults.length > 0) return;
      this.gotoMaster();
    } else if (to === 'BACKUP') {
      if (s.state === 'BACKUP' || s.faults.length > 0) return;
      s.wantState = 'BACKUP';
      if (s.state === 'FAULT') {
        s.masterAdverIntUs = this.c.advertIntUs;
        this.leaveFault();
      } else this.leaveMaster(false);
    } else {
      if (s.state === 'FAULT') return;
      s.wantState = 'FAULT';
      if (s.state === 'MASTER') this.leaveMaster(false);
      else this.leaveFault();
    }
  }

  /** keepalived's set_vrrp_backup: re-elect quickly so the VIP is put back. */
  vipDeleted(): void {
    const s = this.s;
    if (s.state !== 'MASTER') return;
    s.wantState = 'BACKUP';
    this.leaveMaster(true);
    s.msDownTimerUs = this.skew();
    this.initSands();
  }

  shutdown(deleted: boolean): void {
    const s = this.s;
    if (s.stopped) return;
    if (s.state === 'MASTER') this.restoreInterface(true);
    else this.cancelGarpTimers();
    s.stopped = true;
    s.state = 'INIT';
    s.deadline = null;
    this.notify(deleted ? 'DELETED' : 'STOP');
  }
}

/** Applies one event. Never throws on packet content. */
export function step(c: FsmConfig, state: FsmState, event: FsmEvent, now: number): StepResult {
  const st = new Step(c, state, now);
  if (state.stopped) return st.finish();
  switch (event.type) {
    case 'start':
      if (state.state === 'INIT') st.start(event.ownerAsBackup ?? false);
      break;
    case 'timer':
      st.timer(event.timer, event.mayBecomeMaster ?? true);
      break;
    case 'sync':
      st.sync(event.to);
      break;
    case 'packet':
      st.packet(event.advert, event.meta);
      break;
    case 'fault':
      st.fault(event.reason, event.active, event.holdFault ?? false);
      break;
    case 'priority':
      st.priority(event.total);
      break;
    case 'vip-deleted':
      st.vipDeleted();
      break;
    case 'shutdown':
      st.shutdown(event.deleted ?? false);
      break;
  }
  return st.finish();
}

/**
 * The state an instance keeps across a configuration reload (keepalived keeps state,
 * stats and the VIPs-set flag of instances matched old <-> new): a MASTER stays MASTER
 * without re-election; timers are recomputed from the new configuration.
 */
export function adoptState(c: FsmConfig, old: FsmState, now: number): FsmState {
  const s: FsmState = { ...old, faults: [...old.faults], rlFlags: [], stats: { ...old.stats } };
  // Tracking contributions are re-applied by the caller (setPriority) after a reload.
  s.effectivePriority = c.basePriority;
  // A peer's old unicast checksum, once seen, is kept unless the new configuration says otherwise.
  s.oldUnicastChecksum = c.unicastChecksum === 'old' || (c.unicastChecksum === 'auto' && old.oldUnicastChecksum === true);
  s.totalPriority = c.basePriority;
  if (s.state === 'MASTER') s.masterAdverIntUs = c.advertIntUs;
  s.msDownTimerUs = masterDownIntervalUs(c.version, c.downTimerAdverts, s.masterAdverIntUs, s.effectivePriority);
  if (s.state === 'MASTER') s.deadline = Math.min(old.deadline ?? now, now + c.advertIntUs);
  if (c.preemptDelayUs === 0) s.preemptTime = null;
  return s;
}

/** The state machine bound to one instance's configuration. */
export interface Fsm {
  readonly config: FsmConfig;
  initial(): FsmState;
  step(state: FsmState, event: FsmEvent, now: number): StepResult;
}

export function createFsm(config: FsmConfig): Fsm {
  return {
    config,
    initial: () => initialState(config),
    step: (state, event, now) => step(config, state, event, now),
  };
}
