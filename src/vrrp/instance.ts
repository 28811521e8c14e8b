// One running VRRP instance: feeds events to the pure state machine and carries out its
// actions through the ports. Adverts and timers act at once (they are what keeps the
// election correct); address changes, GARPs and notifications go through one ordered
// queue per instance, so "add VIPs, then GARP, then notify MASTER" happen in that order
// even when the address adapter is asynchronous, and a slow netlink call never delays an
// advert.

import { AdvertBuilder } from './advert-builder.js';
import { IPV4_VRRP_GROUP, IPV6_VRRP_GROUP, type DecodedAdvert } from './codec.js';
import { adoptState, blocksVips, createFsm, emptyStats, type Fsm, type FsmAction, type FsmConfig, type FsmEvent, type FsmState, type FaultReason, type NotifyState, type Stats, type TimerName } from './fsm.js';
import type { AddressOwner, ChannelKey, OutgoingPacket, RouterPorts, TimerHandle, VrrpChannel } from './ports.js';
import type { ReceiveMeta } from './receive-check.js';
import type { VipSpec, VrrpInstanceSpec } from './spec.js';
import type { SyncGroup } from './sync-group.js';
import { advertInterface, placedAddresses, vipInterface } from './vmac.js';

/** A read-only view of an instance for status output and tests. */
export interface InstanceStatus {
  name: string;
  vrid: number;
  family: 'inet' | 'inet6';
  state: FsmState['state'];
  effectivePriority: number;
  masterAddress: string | null;
  vipsSet: boolean;
  faults: readonly string[];
  stats: Readonly<Stats>;
}

/**
 * How long before a backup's master-down deadline it wakes to rehearse the takeover (see
 * rehearse). Enough for a cold rehearsal (~1 ms) to finish before the deadline.
 */
export const REHEARSAL_LEAD_US = 3000;

export class VrrpInstance {
  readonly name: string;
  readonly fsm: Fsm;
  readonly owner: AddressOwner;
  readonly channelKey: ChannelKey;
  private state: FsmState;
  private channel: VrrpChannel | undefined;
  private readonly timers = new Map<TimerName, TimerHandle>();
  /** The pending takeover rehearsal (a backup's master-down timer running), if any. */
  private rehearsal: TimerHandle | undefined;
  private queue: Promise<void> = Promise.resolve();
  private ipId = 0;
  /** The time of the last event handed to the state machine (see handle). */
  private lastEventAt = 0;
  private ahSeq = 0;
  private lastNotified: NotifyState | 'INIT' = 'INIT';
  private readonly installed: VipSpec[];
  private readonly adverts: AdvertBuilder;
  /** The vrrp_sync_group this instance belongs to, if any (set by the router). */
  group: SyncGroup | undefined;

  constructor(readonly spec: VrrpInstanceSpec, config: FsmConfig, private readonly ports: RouterPorts) {
    this.name = config.name;
    this.fsm = createFsm(config);
    this.state = this.fsm.initial();
    this.owner = { instance: config.name, family: config.family };
    // VIPs then eVIPs, each defaulting to the instance's interface (its VMAC if it has one).
    const vipIf = vipInterface(spec);
    if (vipIf !== undefined) this.owner.interface = vipIf;
    this.channelKey = channelKeyFor(spec, config);
    this.adverts = new AdvertBuilder(this.fsm.config);
    this.installed = placedAddresses(spec);
  }

  get config(): FsmConfig {
    return this.fsm.config;
  }

  attach(channel: VrrpChannel): void {
    this.channel = channel;
  }

  status(): InstanceStatus {
    const s = this.state;
    return {
      name: this.name, vrid: this.config.vrid, family: this.config.family, state: s.state,
      effectivePriority: s.effectivePriority, masterAddress: s.masterAddress, vipsSet: s.vipsSet,
      faults: s.faults, stats: s.stats,
    };
  }

  /** Zeroes the counters (keepalived's STATS_CLEAR, SIGRTMAX-1). */
  clearStats(): void {
    this.state = { ...this.state, stats: emptyStats() };
  }

  /** The state machine's state (read-only use). */
  fsmState(): Readonly<FsmState> {
    return this.state;
  }

  /** Sync group: another member moved the group to `to`. */
  applySync(to: 'MASTER' | 'BACKUP' | 'FAULT'): void {
    this.handle({ type: 'sync', to });
  }

  /** Whether a unicast advert from `src` is meant for this instance (shared VRIDs). */
  hasPeer(src: string): boolean {
    return this.config.peers.some((p) => p.address === src);
  }

  start(): void {
    this.handle({ type: 'start', ownerAsBackup: this.group ? !this.group.startsMaster() : false });
  }

  /** `receivedAt`: when the packet was read (the clock port's µs), if the transport knows. */
  receive(advert: DecodedAdvert, meta: ReceiveMeta, receivedAt?: number): void {
    this.handle({ type: 'packet', advert, meta }, receivedAt);
  }

  setFault(reason: FaultReason, active: boolean): void {
    this.handle({ type: 'fault', reason, active });
  }

  setPriority(total: number): void {
    this.handle({ type: 'priority', total });
  }

  /** An address was deleted from the system; if it is one of our tracked VIPs while MASTER, re-elect. */
  addressDeleted(address: string): boolean {
    const hit = this.installed.find((v) => v.address === address && !v.noTrack);
    if (!hit) return false;
    if (this.state.state === 'MASTER' && this.state.vipsSet) {
      this.ports.sink.log(`(${this.name}) ip address ${address}${hit.prefixLength !== undefined ? `/${hit.prefixLength}` : ''} dev ${hit.device ?? ''}, no longer exist`);
      this.handle({ type: 'vip-deleted' });
    }
    return true;
  }

  /**
   * Takes over a running instance of the previous configuration (reload): its state,
   * statistics, IPv4 id / AH sequence and timers carry on; VIPs no longer configured are
   * removed and new ones added (and announced) if the instance holds its VIPs.
   */
  adopt(old: VrrpInstance): void {
    const now = this.ports.clock.now();
    old.releaseTimers();
    this.state = adoptState(this.config, old.state, now);
    this.ipId = old.ipId;
    this.ahSeq = old.ahSeq;
    this.lastNotified = old.lastNotified;
    this.queue = old.queue;
    if (this.state.deadline !== null) this.perform({ type: 'set-timer', timer: 'main', at: this.state.deadline });
    if (this.state.vipsSet) {
      const key = (v: VipSpec): string => `${v.address}|${v.prefixLength ?? ''}|${v.device ?? ''}`;
      const now2 = new Set(this.installed.map(key));
      const was = new Set(old.installed.map(key));
      const gone = old.installed.filter((v) => !now2.has(key(v)));
      const added = this.installed.filter((v) => !was.has(key(v)));
      // no_accept's block follows: what the old configuration blocked and this one does not is let go.
      const oldBlocks = blocksVips(old.config);
      const newBlocks = blocksVips(this.config);
      const unblock = oldBlocks && !newBlocks ? old.installed : oldBlocks ? gone : [];
      const block = newBlocks && !oldBlocks ? this.installed : newBlocks ? added : [];
      if (unblock.length > 0) this.enqueue('setting accept mode', () => this.ports.addresses.setVipBlock?.(old.owner, unblock, false));
      if (block.length > 0) this.enqueue('setting accept mode', () => this.ports.addresses.setVipBlock?.(this.owner, block, true));
      if (gone.length > 0) this.enqueue('removing VIPs', () => this.ports.addresses.removeVips(this.owner, gone));
      if (added.length > 0) {
        this.enqueue('adding VIPs', () => this.ports.addresses.addVips(this.owner, added));
        this.enqueue('sending gratuitous ARPs', () => this.ports.announce.announce(this.owner, added, this.config.garp.masterRepeat));
      }
      if (this.config.garp.masterRefreshUs > 0) this.perform({ type: 'set-timer', timer: 'garp-refresh', at: now + this.config.garp.masterRefreshUs });
      const extraIfUs = this.config.garp.extraIfUs;
      if (extraIfUs) this.perform({ type: 'set-timer', timer: 'garp-extra-if', at: now + extraIfUs });
    }
  }

  /** Sends one advert now if MASTER (keepalived does before a reload). */
  advertIfMaster(): void {
    if (this.state.state === 'MASTER') this.sendAdvert(this.state.effectivePriority);
  }

  private releaseTimers(): void {
    for (const h of this.timers.values()) this.ports.clock.clearTimer(h);
    this.timers.clear();
    this.scheduleRehearsal(undefined);
  }

  /** Stops: priority-0 advert if MASTER, VIPs removed, STOP (or DELETED) notified; resolves when done. */
  async stop(deleted = false): Promise<void> {
    this.handle({ type: 'shutdown', deleted });
    this.releaseTimers();
    await this.idle();
  }

  /** Resolves once every queued address/announce/notify operation has run. */
  async idle(): Promise<void> {
    let q: Promise<void>;
    do {
      q = this.queue;
      await q;
    } while (q !== this.queue);
  }

  /**
   * `at`: the time the event happened when that was before now (a packet waiting in the
   * socket); never earlier than the previous event, so the state machine's time only moves on.
   */
  private handle(input: FsmEvent, at?: number): void {
    let now = this.ports.clock.now();
    if (at !== undefined && at < now) now = Math.max(at, this.lastEventAt);
    this.lastEventAt = now;
    let event = input;
    const g = this.group;
    if (g && event.type === 'timer' && event.timer === 'main') event = { ...event, mayBecomeMaster: g.canGotoMaster(this) };
    if (g && event.type === 'fault' && !event.active) event = { ...event, holdFault: g.othersFaulty(this) };
    const before = this.state.state;
    let r;
    try {
      r = this.fsm.step(this.state, event, now);
    } catch (e) {
      // The state machine is total; if it ever throws, keep running on the old state.
      this.ports.sink.log(`(${this.name}) internal error handling ${event.type}: ${String(e)}`);
      return;
    }
    this.state = r.state;
    for (const a of r.actions) this.perform(a);
    if (g && before !== this.state.state) g.onTransition(this, before, this.state.state);
  }

  private perform(a: FsmAction): void {
    switch (a.type) {
      case 'send-advert':
        this.sendAdvert(a.priority);
        return;
      case 'set-timer': {
        const old = this.timers.get(a.timer);
        if (old) this.ports.clock.clearTimer(old);
        this.timers.set(a.timer, this.ports.clock.setTimer(a.at, () => {
          this.timers.delete(a.timer);
          this.handle({ type: 'timer', timer: a.timer });
        }));
        if (a.timer === 'main') this.scheduleRehearsal(a.at);
        return;
      }
      case 'cancel-timer': {
        const h = this.timers.get(a.timer);
        if (h) this.ports.clock.clearTimer(h);
        this.timers.delete(a.timer);
        if (a.timer === 'main') this.scheduleRehearsal(undefined);
        return;
      }
      case 'log':
        this.ports.sink.log(a.message);
        return;
      case 'add-vips':
        this.enqueue('adding VIPs', () => this.ports.addresses.addVips(this.owner, this.installed));
        return;
      case 'remove-vips':
        this.enqueue('removing VIPs', () => this.ports.addresses.removeVips(this.owner, this.installed));
        return;
      case 'accept-mode':
        this.enqueue('setting accept mode', () => this.ports.addresses.setVipBlock?.(this.owner, this.installed, a.block));
        return;
      case 'announce':
        this.enqueue('sending gratuitous ARPs', () => this.ports.announce.announce(this.owner, this.installed, a.repeat));
        return;
      case 'announce-extra-if': {
        const addresses = this.spec.extraIfAnnounce?.addresses;
        if (addresses?.length) this.enqueue('sending gratuitous ARPs on extra interfaces', () => this.ports.announce.announce(this.owner, addresses, 1));
        return;
      }
      case 'announce-source': {
        const src = this.config.sourceAddress;
        if (src !== undefined) this.enqueue('announcing source address', () => this.ports.announce.announce(this.owner, [{ address: src }], 1));
        return;
      }
      case 'notify': {
        const change = { instance: this.name, from: this.lastNotified, state: a.state, priority: a.priority };
        this.lastNotified = a.state;
        this.enqueue('notifying', () => this.ports.sink.stateChange(change));
        return;
      }
      case 'event':
        this.enqueue('notifying', () => this.ports.sink.event?.(this.name, a.event, a.priority));
        return;
    }
  }

  /**
   * A backup whose master-down timer runs wakes REHEARSAL_LEAD_US before it to rehearse the
   * takeover. After seconds asleep the process, its code and its data are cold: timed with
   * marks at advert_int 1 s, the timer's callback ran 0.4 ms late and the advert left 1 ms
   * after it (keepalived's C: 0.2 ms in all), each piece several times slower than when warm.
   * Adverts re-arm the timer, so while the master is heard the rehearsal never runs; it costs
   * one early wake-up per takeover.
   */
  private scheduleRehearsal(at: number | undefined): void {
    const clock = this.ports.clock;
    if (this.rehearsal) clock.clearTimer(this.rehearsal);
    this.rehearsal = undefined;
    if (at === undefined || this.state.state !== 'BACKUP') return;
    const wakeAt = at - REHEARSAL_LEAD_US;
    // A deadline too close to be worth a second wake-up (the process is awake anyway).
    if (wakeAt - clock.now() < REHEARSAL_LEAD_US) return;
    this.rehearsal = clock.setTimer(wakeAt, () => {
      this.rehearsal = undefined;
      this.rehearse(at);
    });
  }

  /**
   * Runs what the master-down timer will run, without effect: the state machine's step (pure;
   * its result is dropped), the advert it sends, built but not sent, and the VIP addition,
   * encoded but not sent. The code is then compiled and in cache, the data touched, and the
   * CPU awake when the timer fires.
   */
  private rehearse(at: number): void {
    const g = this.group;
    const event: FsmEvent = { type: 'timer', timer: 'main', mayBecomeMaster: g ? g.canGotoMaster(this) : true };
    try {
      const r = this.fsm.step(this.state, event, at);
      for (const a of r.actions) {
        if (a.type === 'send-advert') this.buildAdverts(a.priority, this.ipId, this.ahSeq);
        else if (a.type === 'add-vips') this.ports.addresses.rehearseAddVips?.(this.owner, this.installed);
      }
    } catch {
      // Only a rehearsal: the real step reports its own errors.
    }
  }

  private enqueue(what: string, op: () => void | Promise<void>): void {
    this.queue = this.queue.then(op).then(undefined, (e: unknown) => {
      this.ports.sink.log(`(${this.name}) error ${what}: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  private sendAdvert(priority: number): void {
    const channel = this.channel;
    if (!channel) return;
    // IPv4 id and AH sequence advance once per advert, whatever the number of peers.
    this.ipId = this.ipId >= 0xffff ? 1 : this.ipId + 1;
    // keepalived keeps one AH sequence counter per instance for what it sends and what it
    // accepts, so a restarted router resumes above its peer's sequence instead of having
    // every advert dropped as a replay until its own counter catches up.
    this.ahSeq = (Math.max(this.ahSeq, this.state.ahLastSeq) + 1) >>> 0;
    this.state.ahLastSeq = this.ahSeq;
    for (const advert of this.buildAdverts(priority, this.ipId, this.ahSeq)) {
      const { dst } = advert;
      if ('error' in advert) {
        this.sendError(dst, advert.error);
        continue;
      }
      try {
        const r = channel.send(advert.packet);
        if (r instanceof Promise) r.catch((e: unknown) => this.sendError(dst, e));
      } catch (e) {
        this.sendError(dst, e);
      }
    }
  }

  /** The advert for each destination (each unicast peer, or the group), or why it could not be built. */
  private buildAdverts(priority: number, ipId: number, ahSeq: number): ({ dst: string; packet: OutgoingPacket } | { dst: string; error: unknown })[] {
    const c = this.config;
    const ttl = c.unicast ? (this.spec.unicastTtl ?? 255) : 255;
    const dsts = c.unicast ? c.peers.map((p) => p.address) : [this.channelKey.group ?? (c.family === 'inet' ? IPV4_VRRP_GROUP : IPV6_VRRP_GROUP)];
    return dsts.map((dst) => {
      try {
        const data = this.adverts.build({ dst, priority, ipId, ahSeq, ttl, oldChecksum: this.state.oldUnicastChecksum });
        const packet: OutgoingPacket = c.family === 'inet'
          ? { data, dst, multicast: !c.unicast }
          : { data, dst, src: c.sourceAddress ?? '::', hopLimit: ttl, multicast: !c.unicast };
        return { dst, packet };
      } catch (error) {
        return { dst, error };
      }
    });
  }

  private sendError(dst: string, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.ports.sink.log(this.config.unicast ? `(${this.name}) Cant send advert to ${dst} (${msg})` : `(${this.name}): send advert error (${msg})`);
  }
}

export function channelKeyFor(spec: VrrpInstanceSpec, c: FsmConfig): ChannelKey {
  const key: ChannelKey = { family: c.family, mode: c.unicast ? 'unicast' : 'multicast' };
  if (c.auth.type === 'ah') key.protocol = 'ah';
  const advertIf = advertInterface(spec);
  if (advertIf !== undefined) key.interface = advertIf;
  if (c.unicast) {
    if (c.sourceAddress !== undefined) key.sourceAddress = c.sourceAddress;
  } else {
    key.group = spec.multicastGroup ?? (c.family === 'inet' ? IPV4_VRRP_GROUP : IPV6_VRRP_GROUP);
  }
  return key;
}

export function channelKeyString(k: ChannelKey): string {
  return [k.family, k.interface ?? '', k.mode, k.group ?? '', k.sourceAddress ?? '', k.protocol ?? 'vrrp'].join('|');
}
