// The VRRP runtime: a set of instances sharing sockets. One channel per (family,
// interface, multicast group | unicast source); received packets are decoded once and
// handed to the instance with that VRID (1,000 instances cost 1,000 timers, not 1,000
// sockets). Nothing a packet contains can throw out of here.

import { canonicalAddress, isMulticast } from './addr.js';
import { decodeAdvert } from './codec.js';
import type { FaultReason } from './fsm.js';
import { VrrpInstance, channelKeyString, type InstanceStatus } from './instance.js';
import type { ChannelKey, ReceivedPacket, RouterPorts, VrrpChannel } from './ports.js';
import { normaliseSpec, type VrrpInstanceSpec } from './spec.js';
import { SyncGroup, type SyncGroupSpec } from './sync-group.js';

export interface RouterOptions {
  /** keepalived's log_unknown_vrids. */
  logUnknownVrids?: boolean;
  /** vrrp_sync_group blocks. */
  syncGroups?: SyncGroupSpec[];
}

interface ChannelEntry {
  key: ChannelKey;
  channel?: VrrpChannel;
  /** VRID -> instances (several only for unicast instances with disjoint peers). */
  byVrid: Map<number, VrrpInstance[]>;
}

export interface CreateRouterResult {
  router: VrrpRouter;
  /** Instances that could not be configured ("(NAME) reason"); they are not run. */
  errors: string[];
  warnings: string[];
}

interface Population {
  instancesByName: Map<string, VrrpInstance>;
  channels: Map<string, ChannelEntry>;
  errors: string[];
  warnings: string[];
}

/** Normalises the specs into instances grouped by shared socket, and sets up sync groups. */
function populate(specs: readonly VrrpInstanceSpec[], ports: RouterPorts, options: RouterOptions): Population {
  const instancesByName = new Map<string, VrrpInstance>();
  const channels = new Map<string, ChannelEntry>();
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const spec of specs) {
    const r = normaliseSpec(spec);
    warnings.push(...r.warnings);
    if (!r.ok) {
      errors.push(...r.errors);
      continue;
    }
    if (instancesByName.has(spec.name)) {
      errors.push(`(${spec.name}) duplicate vrrp_instance name`);
      continue;
    }
    if (r.config.family === 'inet' && r.config.version === 3 && r.config.sourceAddress === undefined) {
      warnings.push(`(${spec.name}) no source address: the VRRPv3 checksum needs the interface's primary address`);
    }
    const inst = new VrrpInstance(spec, r.config, ports);
    const keyStr = channelKeyString(inst.channelKey);
    let entry = channels.get(keyStr);
    if (!entry) {
      entry = { key: inst.channelKey, byVrid: new Map() };
      channels.set(keyStr, entry);
    }
    const same = entry.byVrid.get(r.config.vrid) ?? [];
    // Duplicate VRID on one socket: allowed only for unicast with disjoint peers.
    const clash = same.find((o) => !r.config.unicast || o.config.peers.some((p) => r.config.peers.some((q) => q.address === p.address)));
    if (clash) {
      errors.push(`(${spec.name}) VRID ${r.config.vrid} is already used by ${clash.name} on the same interface and address family`);
      continue;
    }
    same.push(inst);
    entry.byVrid.set(r.config.vrid, same);
    instancesByName.set(spec.name, inst);
  }
  for (const gs of options.syncGroups ?? []) {
    const group = new SyncGroup(gs.name, ports.sink);
    for (const m of gs.members) {
      const inst = instancesByName.get(m);
      if (!inst) {
        errors.push(`VRRP_Group(${gs.name}): instance ${m} is not configured`);
        continue;
      }
      if (inst.group) {
        errors.push(`VRRP_Group(${gs.name}): instance ${m} is already in group ${inst.group.name}`);
        continue;
      }
      inst.group = group;
      group.members.push(inst);
    }
    if (group.members.length === 1) warnings.push(`VRRP_Group(${gs.name}) has only one member`);
    if (group.mixesOwners()) warnings.push(`Sync group ${gs.name} has some member(s) as address owner and some not; the owners start as BACKUP like the others`);
  }
  for (const entry of channels.values()) if (entry.byVrid.size === 0) channels.delete(channelKeyString(entry.key));
  return { instancesByName, channels, errors, warnings };
}

export interface ReloadResult {
  errors: string[];
  warnings: string[];
  /** Instance names kept with their state, added, and removed. */
  kept: string[];
  added: string[];
  removed: string[];
}

export class VrrpRouter {
  private instancesByName = new Map<string, VrrpInstance>();
  private channels = new Map<string, ChannelEntry>();
  private started = false;

  private constructor(private readonly ports: RouterPorts, private options: RouterOptions) {}

  /** Builds a router; invalid specs are reported in `errors` and left out. Never throws on specs. */
  static create(specs: readonly VrrpInstanceSpec[], ports: RouterPorts, options: RouterOptions = {}): CreateRouterResult {
    const router = new VrrpRouter(ports, options);
    const p = populate(specs, ports, options);
    router.instancesByName = p.instancesByName;
    router.channels = p.channels;
    return { router, errors: p.errors, warnings: p.warnings };
  }

  /** Opens the shared sockets and starts every instance (BACKUP, or MASTER for owners). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.openChannels();
    for (const inst of this.instancesByName.values()) inst.start();
  }

  private async openChannels(): Promise<void> {
    for (const [keyStr, entry] of this.channels) {
      if (!entry.channel) {
        // Packets are routed through the key, so a reload can swap the entry behind a socket.
        entry.channel = await this.ports.transport.open(entry.key, (p) => this.onPacket(keyStr, p));
      }
      for (const list of entry.byVrid.values()) for (const inst of list) inst.attach(entry.channel);
    }
  }

  /**
   * Applies a new configuration without disturbing what did not change (keepalived's
   * reload): instances matched by socket, VRID and name keep their state (a MASTER stays
   * MASTER, no re-election), statistics and VIPs, with VIPs added/removed as configured;
   * removed instances step down (priority 0 if MASTER) and notify DELETED; new instances
   * start. Masters send one advert first so backups do not time out meanwhile. Tracking
   * priorities must be re-applied with setPriority afterwards.
   */
  async reload(specs: readonly VrrpInstanceSpec[], options: RouterOptions = this.options): Promise<ReloadResult> {
    for (const inst of this.instancesByName.values()) inst.advertIfMaster();
    const p = populate(specs, this.ports, options);
    const identity = (i: VrrpInstance): string => `${channelKeyString(i.channelKey)}#${i.config.vrid}`;
    const oldById = new Map<string, VrrpInstance[]>();
    for (const o of this.instancesByName.values()) oldById.set(identity(o), [...(oldById.get(identity(o)) ?? []), o]);
    const kept: string[] = [];
    const added: string[] = [];
    const adopted = new Set<VrrpInstance>();
    for (const n of p.instancesByName.values()) {
      const cands = (oldById.get(identity(n)) ?? []).filter((o) => !adopted.has(o));
      const old = cands.find((o) => o.name === n.name) ?? (cands.length === 1 ? cands[0] : undefined);
      if (old && this.started) {
        adopted.add(old);
        n.adopt(old);
        kept.push(n.name);
      } else added.push(n.name);
    }
    // Sync groups of kept instances resume in the state their members agree on.
    const groups = new Set([...p.instancesByName.values()].flatMap((i) => (i.group ? [i.group] : [])));
    for (const g of groups) {
      const states = new Set(g.members.map((m) => m.fsmState().state));
      const only = states.size === 1 ? [...states][0] : undefined;
      if (only !== undefined && only !== 'INIT') g.state = only;
    }
    const removed = [...this.instancesByName.values()].filter((o) => !adopted.has(o));
    // Sockets still needed carry over; the others close once the removed instances are done.
    const toClose: VrrpChannel[] = [];
    for (const [keyStr, entry] of this.channels) {
      const next = p.channels.get(keyStr);
      if (next && entry.channel) next.channel = entry.channel;
      else if (entry.channel) toClose.push(entry.channel);
    }
    // Swap first, so packets arriving from now on reach the new instances.
    this.instancesByName = p.instancesByName;
    this.channels = p.channels;
    this.options = options;
    if (this.started) {
      await this.openChannels();
      for (const name of added) this.instancesByName.get(name)?.start();
    }
    await Promise.all(removed.map((o) => o.stop(true)));
    for (const ch of toClose) {
      try {
        await ch.close();
      } catch (e) {
        this.ports.sink.log(`error closing VRRP socket: ${String(e)}`);
      }
    }
    return { errors: p.errors, warnings: p.warnings, kept, added, removed: removed.map((o) => o.name) };
  }

  /** Stops every instance (priority-0 adverts from masters, VIPs removed), then closes the sockets. */
  async stop(): Promise<void> {
    await Promise.all([...this.instancesByName.values()].map((i) => i.stop()));
    for (const entry of this.channels.values()) {
      try {
        await entry.channel?.close();
      } catch (e) {
        this.ports.sink.log(`error closing VRRP socket: ${String(e)}`);
      }
      delete entry.channel;
    }
    this.started = false;
  }

  /**
   * Opens anew the sockets bound to `ifname`: a socket stays bound to the interface index it
   * was opened on, so an interface deleted and made again (a VMAC re-created) needs new ones.
   */
  async reopenChannels(ifname: string): Promise<void> {
    if (!this.started) return;
    for (const [keyStr, entry] of this.channels) {
      if (entry.key.interface !== ifname || !entry.channel) continue;
      const old = entry.channel;
      delete entry.channel;
      try {
        await old.close();
      } catch (e) {
        this.ports.sink.log(`error closing VRRP socket: ${String(e)}`);
      }
      entry.channel = await this.ports.transport.open(entry.key, (p) => this.onPacket(keyStr, p));
      for (const list of entry.byVrid.values()) for (const inst of list) inst.attach(entry.channel);
    }
  }

  /** Sets or clears a fault on one instance (interface down, tracker failed, ...). */
  setFault(instance: string, reason: FaultReason, active: boolean): boolean {
    const i = this.instancesByName.get(instance);
    i?.setFault(reason, active);
    return i !== undefined;
  }

  /** Sets the total priority (base ± tracking weights) of one instance. */
  setPriority(instance: string, total: number): boolean {
    const i = this.instancesByName.get(instance);
    i?.setPriority(total);
    return i !== undefined;
  }

  /**
   * The address monitor saw `address` deleted: an instance that was MASTER with it as a
   * (tracked) VIP steps down with a priority-0 advert and re-takes MASTER after Skew_Time,
   * putting the address back.
   */
  addressDeleted(address: string): void {
    for (const i of this.instancesByName.values()) i.addressDeleted(address);
  }

  /** Zeroes every instance's counters (SIGRTMAX-1). */
  clearStats(): void {
    for (const i of this.instancesByName.values()) i.clearStats();
  }

  status(instance: string): InstanceStatus | undefined {
    return this.instancesByName.get(instance)?.status();
  }

  statuses(): InstanceStatus[] {
    return [...this.instancesByName.values()].map((i) => i.status());
  }

  /** Number of shared sockets (for tests and status output). */
  channelCount(): number {
    return this.channels.size;
  }

  /** Resolves when every instance's queued address/announce/notify work has run. */
  async idle(): Promise<void> {
    await Promise.all([...this.instancesByName.values()].map((i) => i.idle()));
  }

  private onPacket(keyStr: string, p: ReceivedPacket): void {
    const entry = this.channels.get(keyStr);
    if (!entry) return;
    try {
      this.dispatch(entry, p);
    } catch (e) {
      this.ports.sink.log(`internal error handling a VRRP packet: ${String(e)}`);
    }
  }

  private dispatch(entry: ChannelEntry, p: ReceivedPacket): void {
    const family = entry.key.family;
    const d = decodeAdvert(family, p.data);
    if (!d.ok) {
      if (d.error === 'too-short') this.ports.sink.log(`${family === 'inet' ? 'IPv4' : 'IPv6'} VRRP packet too short - ${p.data.length} bytes`);
      return;
    }
    const a = d.advert;
    const src = canonicalAddress(family, p.src ?? a.ip?.src ?? '') ?? p.src ?? a.ip?.src ?? '';
    const candidates = entry.byVrid.get(a.vrrp.vrid);
    if (!candidates || candidates.length === 0) {
      if (this.options.logUnknownVrids) this.ports.sink.log(`Unknown VRID(${a.vrrp.vrid}) received on interface(${entry.key.interface ?? ''}). ignoring...`);
      return;
    }
    const inst = candidates.length === 1 ? candidates[0] : candidates.find((i) => i.hasPeer(src));
    if (!inst) {
      if (this.options.logUnknownVrids) this.ports.sink.log(`Unknown VRID(${a.vrrp.vrid}) received on interface(${entry.key.interface ?? ''}) from ${src}. ignoring...`);
      return;
    }
    const dst = p.dst ?? a.ip?.dst ?? entry.key.group ?? '';
    // IPv6 sockets see both kinds; keepalived discards the wrong kind silently.
    if (family === 'inet6' && p.dst !== undefined && isMulticast(family, dst) === inst.config.unicast) return;
    const meta: { src: string; dst: string; ttl?: number } = { src, dst };
    const ttl = a.ip?.ttl ?? p.hopLimit;
    if (ttl !== undefined) meta.ttl = ttl;
    inst.receive(a, meta, p.receivedAt);
  }
}
