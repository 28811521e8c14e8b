// In-memory implementations of every VRRP port, for tests and demos: a virtual clock, an
// Ethernet segment carrying adverts between hosts (with link failures and a capture of
// everything sent), address tables, an announce recorder and a log/notify sink.
// Deterministic: nothing here uses real time or randomness.

import { canonicalAddress, isMulticast, type AddressFamily } from './addr.js';
import type { StateChange } from './ports.js';
import type {
  AddressOwner, AddressPort, AnnouncePort, ChannelKey, ClockPort, OutgoingPacket, ReceivedPacket, RouterPorts, TimerHandle,
  VrrpChannel, VrrpEventSink, VrrpTransport,
} from './ports.js';
import type { VipSpec } from './spec.js';

interface PendingTimer {
  id: number;
  at: number;
  seq: number;
  callback: () => void;
}

/** A clock that only moves when told to; timers fire in (time, creation) order. */
export class VirtualClock implements ClockPort {
  private t: number;
  private nextId = 1;
  private seq = 0;
  private readonly pending = new Map<number, PendingTimer>();

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(at: number, callback: () => void): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { id, at: Math.max(at, this.t), seq: this.seq++, callback });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  /** Number of timers armed (e.g. to check 1,000 instances cost 1,000 timers). */
  pendingCount(): number {
    return this.pending.size;
  }

  /** Runs every timer due up to `until` (inclusive), in order, then sets the time to `until`. */
  runUntil(until: number): void {
    for (;;) {
      let next: PendingTimer | undefined;
      for (const p of this.pending.values()) {
        if (p.at > until) continue;
        if (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq)) next = p;
      }
      if (!next) break;
      this.pending.delete(next.id);
      this.t = next.at;
      next.callback();
    }
    this.t = Math.max(this.t, until);
  }

  advance(us: number): void {
    this.runUntil(this.t + us);
  }
}

export interface CapturedPacket {
  time: number;
  host: string;
  family: AddressFamily;
  dst: string;
  data: Buffer;
}

interface HostEntry {
  name: string;
  addresses: Set<string>;
  linkUp: boolean;
  channels: { key: ChannelKey; onPacket: (p: ReceivedPacket) => void; src: string | undefined }[];
}

/**
 * One broadcast domain. Multicast adverts reach every other host's multicast channel of
 * the family and group; unicast adverts reach the host that owns the destination address.
 * Delivery takes `latencyUs` on the virtual clock.
 */
export class FakeSegment {
  readonly captured: CapturedPacket[] = [];
  private readonly hosts = new Map<string, HostEntry>();

  constructor(readonly clock: VirtualClock, readonly latencyUs = 100) {}

  /** Adds a host with its own interface addresses (used as unicast destinations and IPv6 sources). */
  host(name: string, addresses: string[]): FakeHost {
    const entry: HostEntry = { name, addresses: new Set(addresses.map((a) => canonicalAddress(a.includes(':') ? 'inet6' : 'inet', a) ?? a)), linkUp: true, channels: [] };
    this.hosts.set(name, entry);
    return new FakeHost(this, entry);
  }

  /** Cuts or restores a host's link: nothing it sends or should receive gets through. */
  setLinkUp(name: string, up: boolean): void {
    const h = this.hosts.get(name);
    if (h) h.linkUp = up;
  }

  /** Puts arbitrary bytes on the wire as if `from` had sent them (fuzzing the receivers). */
  inject(from: string, family: AddressFamily, dst: string, data: Buffer, srcAddress?: string, hopLimit?: number): void {
    this.transmit(from, family, { data, dst, multicast: isMulticast(family, dst) }, srcAddress, hopLimit);
  }

  /** @internal */
  transmit(fromName: string, family: AddressFamily, p: OutgoingPacket, srcOverride?: string, hopLimit?: number): void {
    const from = this.hosts.get(fromName);
    if (!from) return;
    this.captured.push({ time: this.clock.now(), host: fromName, family, dst: p.dst, data: Buffer.from(p.data) });
    if (!from.linkUp) return;
    const dst = canonicalAddress(family, p.dst) ?? p.dst;
    const multicast = isMulticast(family, dst);
    const src = srcOverride ?? p.src;
    for (const h of this.hosts.values()) {
      if (h === from) continue;
      for (const ch of h.channels) {
        if (ch.key.family !== family) continue;
        if (multicast ? ch.key.mode !== 'multicast' || (ch.key.group !== undefined && canonicalAddress(family, ch.key.group) !== dst) : !h.addresses.has(dst) || ch.key.mode !== 'unicast') continue;
        const data = Buffer.from(p.data);
        const packet: ReceivedPacket = { data };
        if (family === 'inet6') {
          packet.dst = dst;
          packet.hopLimit = hopLimit ?? p.hopLimit ?? 255;
          if (src !== undefined) packet.src = src;
        }
        this.clock.setTimer(this.clock.now() + this.latencyUs, () => {
          if (h.linkUp && from.linkUp) ch.onPacket(packet);
        });
      }
    }
  }

  /** @internal */
  register(entry: HostEntry, key: ChannelKey, onPacket: (p: ReceivedPacket) => void): () => void {
    const ch = { key, onPacket, src: key.sourceAddress };
    entry.channels.push(ch);
    return () => {
      const i = entry.channels.indexOf(ch);
      if (i >= 0) entry.channels.splice(i, 1);
    };
  }
}

/** The fake ports of one host on a segment. */
export class FakeHost {
  readonly transport: FakeTransport;
  readonly addresses = new FakeAddresses();
  readonly announce = new FakeAnnounce();
  readonly sink = new MemorySink();

  constructor(readonly segment: FakeSegment, entry: HostEntry) {
    this.transport = new FakeTransport(segment, entry);
  }

  get name(): string {
    return this.transport.entry.name;
  }

  ports(): RouterPorts {
    return { transport: this.transport, addresses: this.addresses, announce: this.announce, clock: this.segment.clock, sink: this.sink };
  }
}

export class FakeTransport implements VrrpTransport {
  /** How many sockets were opened (one per shared key). */
  opened = 0;
  /** The keys they were opened with. */
  readonly keys: ChannelKey[] = [];

  constructor(private readonly segment: FakeSegment, readonly entry: HostEntry) {}

  open(key: ChannelKey, onPacket: (p: ReceivedPacket) => void): VrrpChannel {
    this.opened++;
    this.keys.push(key);
    const unregister = this.segment.register(this.entry, key, onPacket);
    return {
      send: (p: OutgoingPacket) => this.segment.transmit(this.entry.name, key.family, p),
      close: () => unregister(),
    };
  }
}

/** Addresses installed on a host, as `address` (or `address dev IF`) strings. */
export class FakeAddresses implements AddressPort {
  readonly installed = new Set<string>();
  /** Address -> the interface it was put on. */
  readonly devices = new Map<string, string>();
  readonly blocked = new Set<string>();
  readonly calls: string[] = [];

  addVips(owner: AddressOwner, vips: readonly VipSpec[]): void {
    this.calls.push(`add ${owner.instance}`);
    for (const v of vips) {
      this.installed.add(v.address);
      const dev = v.device ?? owner.interface;
      if (dev !== undefined) this.devices.set(v.address, dev);
    }
  }

  /** Recorded as `rehearse ${instance} ${addresses}`; changes nothing. */
  rehearseAddVips(owner: AddressOwner, vips: readonly VipSpec[]): void {
    this.calls.push(`rehearse ${owner.instance} ${vips.map((v) => v.address).join(' ')}`);
  }

  removeVips(owner: AddressOwner, vips: readonly VipSpec[]): void {
    this.calls.push(`remove ${owner.instance}`);
    for (const v of vips) {
      this.installed.delete(v.address);
      this.devices.delete(v.address);
    }
  }

  setVipBlock(owner: AddressOwner, vips: readonly VipSpec[], block: boolean): void {
    this.calls.push(`${block ? 'block' : 'unblock'} ${owner.instance}`);
    for (const v of vips) {
      if (block) this.blocked.add(v.address);
      else this.blocked.delete(v.address);
    }
  }

  has(address: string): boolean {
    return this.installed.has(address);
  }
}

export class FakeAnnounce implements AnnouncePort {
  readonly sent: { instance: string; address: string; repeat: number; device?: string }[] = [];

  announce(owner: AddressOwner, addresses: readonly VipSpec[], repeat: number): void {
    for (const a of addresses) {
      const device = a.device ?? owner.interface;
      this.sent.push({ instance: owner.instance, address: a.address, repeat, ...(device !== undefined ? { device } : {}) });
    }
  }
}

export class MemorySink implements VrrpEventSink {
  readonly lines: string[] = [];
  readonly changes: StateChange[] = [];
  readonly events: { instance: string; event: string; priority: number }[] = [];

  log(line: string): void {
    this.lines.push(line);
  }

  stateChange(change: StateChange): void {
    this.changes.push(change);
  }

  event(instance: string, event: string, priority: number): void {
    this.events.push({ instance, event, priority });
  }
}
