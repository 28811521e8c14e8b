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

export class VrrpRouter {
  private readonly instancesByName = new Map<string, VrrpInstance>();
  private readonly channels = new Map<string, ChannelEntry>();
  private started = false;

  private constructor(private readonly ports: RouterPorts, private readonly options: RouterOptions) {}

  /** Builds a router; invalid specs are reported in `errors` and left out. Never throws on specs. */
  static create(specs: readonly VrrpInstanceSpec[], ports: RouterPorts, options: RouterOptions = {}): CreateRouterResult {
    const router = new VrrpRouter(ports, options);
    const errors: string[] = [];
    const warnings: string[] = [];
    for (const spec of specs) {
      const r = normaliseSpec(spec);
      warnings.push(...r.warnings);
      if (!r.ok) {
        errors.push(...r.errors);
        continue;
      }
      if (router.instancesByName.has(spec.name)) {
        errors.push(`(${spec.name}) duplicate vrrp_instance name`);
        continue;
      }
      if (r.config.family === 'inet' && r.config.version === 3 && r.config.sourceAddress === undefined) {
        warnings.push(`(${spec.name}) no source address: the VRRPv3 checksum needs the interface's primary address`);
      }
      const inst = new VrrpInstance(spec, r.config, ports);
      const keyStr = channelKeyString(inst.channelKey);
      let entry = router.channels.get(keyStr);
      if (!entry) {
        entry = { key: inst.channelKey, byVrid: new Map() };
        router.channels.set(keyStr, entry);
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
      router.instancesByName.set(spec.name, inst);
    }
    for (const gs of options.syncGroups ?? []) {
      const group = new SyncGroup(gs.name, ports.sink);
      for (const m of gs.members) {
        const inst = router.instancesByName.get(m);
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
    }
    return { router, errors, warnings };
  }

  /** Opens the shared sockets and starts every instance (BACKUP, or MASTER for owners). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const entry of this.channels.values()) {
      const channel = await this.ports.transport.open(entry.key, (p) => this.onPacket(entry, p));
      entry.channel = channel;
      for (const list of entry.byVrid.values()) for (const inst of list) inst.attach(channel);
    }
    for (const inst of this.instancesByName.values()) inst.start();
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

  private onPacket(entry: ChannelEntry, p: ReceivedPacket): void {
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
    inst.receive(a, meta);
  }
}
