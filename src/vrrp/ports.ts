// The ports the VRRP runtime drives. OS adapters (raw sockets in src/net/vrrp-socket.ts,
// rtnetlink addresses, ARP/NDP senders, the real clock) implement them; src/vrrp/fakes.ts
// has in-memory versions for tests. Every method may be sync or async; the runtime orders
// the calls of one instance and never lets a rejected promise escape.

import type { AddressFamily } from './addr.js';
import type { NotifyState } from './fsm.js';
import type { VipSpec } from './spec.js';

/**
 * Identifies one shared receive/send socket: instances with the same key share it and
 * are told apart by VRID (and, for unicast instances sharing a VRID, by peer address).
 */
export interface ChannelKey {
  family: AddressFamily;
  /** Interface name; absent for interface-less unicast instances. */
  interface?: string;
  mode: 'multicast' | 'unicast';
  /** Multicast: the group joined (224.0.0.18 / ff02::12 or mcast_dst_ip). */
  group?: string;
  /** Unicast: the local address bound (unicast_src_ip). */
  sourceAddress?: string;
  /** 'ah': VRRPv2 with IPsec-AH authentication travels as IP protocol 51, on a socket of its own. */
  protocol?: 'ah';
}

/** A packet as the socket received it. */
export interface ReceivedPacket {
  /** IPv4: the whole datagram from the IP header on. IPv6: the VRRP PDU. */
  data: Buffer;
  /** Source address (IPv4: may be omitted, the header has it). */
  src?: string;
  /** IPv6: destination from IPV6_PKTINFO. IPv4: taken from the header when absent. */
  dst?: string;
  /** IPv6 hop limit from IPV6_HOPLIMIT (IPv4 TTL is in the header). */
  hopLimit?: number;
  ifindex?: number;
  /**
   * When it was read from the socket, on the clock port's clock (µs). The advert is handled
   * as of that time, as keepalived handles it as of its loop's wake-up: the master-down timer
   * it re-arms does not also count the time spent parsing it.
   */
  receivedAt?: number;
}

/** A packet to send. */
export interface OutgoingPacket {
  /** IPv4: a whole datagram including our IPv4 header (send with IP_HDRINCL). IPv6: the VRRP PDU. */
  data: Buffer;
  /** Multicast group or unicast peer. */
  dst: string;
  /** IPv6 only: source address to send from (IPV6_PKTINFO). */
  src?: string;
  /** IPv6 only: hop limit (255 for multicast, unicast_ttl for unicast). */
  hopLimit?: number;
  /** Multicast sends use MSG_DONTROUTE and IP(V6)_MULTICAST_IF on the interface. */
  multicast: boolean;
}

export interface VrrpChannel {
  send(packet: OutgoingPacket): void | Promise<void>;
  close(): void | Promise<void>;
}

export interface VrrpTransport {
  /** Opens the socket for `key`; every packet it receives goes to `onPacket`. Called once per key. */
  open(key: ChannelKey, onPacket: (packet: ReceivedPacket) => void): VrrpChannel | Promise<VrrpChannel>;
}

/** Who asks for an address change, for logs and for the address adapter's bookkeeping. */
export interface AddressOwner {
  instance: string;
  /** The instance's interface, the default `dev` of its VIPs. */
  interface?: string;
  family: AddressFamily;
}

export interface AddressPort {
  /** Adds the VIPs and eVIPs (idempotent: already present is fine). */
  addVips(owner: AddressOwner, vips: readonly VipSpec[]): void | Promise<void>;
  /** Removes them (idempotent: absent is fine). */
  removeVips(owner: AddressOwner, vips: readonly VipSpec[]): void | Promise<void>;
  /**
   * Prepares what addVips would do without doing it (a backup's takeover rehearsal: the code
   * is then compiled and in cache when the VIPs must go on). Optional; never throws.
   */
  rehearseAddVips?(owner: AddressOwner, vips: readonly VipSpec[]): void;
  /** no_accept: drop traffic to the VIPs while MASTER (block) / stop dropping it. Optional. */
  setVipBlock?(owner: AddressOwner, vips: readonly VipSpec[], block: boolean): void | Promise<void>;
}

export interface AnnouncePort {
  /**
   * Gratuitous ARPs (IPv4) / unsolicited neighbour advertisements (IPv6) for each address,
   * `repeat` times (the adapter spaces them by the interface's garp/gna interval).
   */
  announce(owner: AddressOwner, addresses: readonly VipSpec[], repeat: number): void | Promise<void>;
}

export interface TimerHandle {
  readonly id: number;
}

/** Monotonic clock in microseconds and one-shot timers at absolute times. */
export interface ClockPort {
  now(): number;
  setTimer(at: number, callback: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export interface StateChange {
  instance: string;
  from: NotifyState | 'INIT';
  state: NotifyState;
  priority: number;
}

/** Logs (keepalived's wording) and notifications (scripts, FIFO, ... live behind this). */
export interface VrrpEventSink {
  log(line: string): void;
  stateChange(change: StateChange): void;
  /** MASTER_RX_LOWER_PRI, MASTER_PRIORITY, BACKUP_PRIORITY (FIFO-only events in keepalived). */
  event?(instance: string, event: string, priority: number): void;
  /** A vrrp_sync_group changed state (notify scripts with `GROUP name STATE 0`). */
  groupStateChange?(change: { group: string; state: 'MASTER' | 'BACKUP' | 'FAULT' }): void;
}

export interface RouterPorts {
  transport: VrrpTransport;
  addresses: AddressPort;
  announce: AnnouncePort;
  clock: ClockPort;
  sink: VrrpEventSink;
}
